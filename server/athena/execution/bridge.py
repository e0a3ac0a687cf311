"""Host side of `import athena` in the sandbox: guest calls -> the same domain code as the rpcs.

A call's params are the proto3 JSON form of the matching MemoryService request, so the bridge
parses them into those messages, checks them with the same protovalidate rules the gRPC
interceptor applies, and converts them with the servicers' converters. The project is the
caller's, fixed by the host; a guest cannot name another one. Quotas (calls, bytes) are counted by
the run; this module answers one call at a time.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import protovalidate
from athena import errors
from athena.api import convert
from athena.execution.models import MemoryAccess
from athena.memory import EpisodicMemory
from athena.v1 import memory_pb2
from google.protobuf import json_format
from google.protobuf.message import Message

log = logging.getLogger("athena.execution")
_validator = protovalidate.Validator()

Handler = Callable[["Bridge", Any], Awaitable[Any]]


class PermissionDenied(errors.AthenaError):
    """The run's memory access does not allow this call (reported to the guest only)."""

    reason = "PERMISSION_DENIED"


def _parse(params: Any, message: type[Message]) -> Any:
    if not isinstance(params, dict):
        raise errors.InvalidArgument([errors.FieldViolation("params", "must be an object")])
    if "\\u0000" in json.dumps(params):
        raise errors.InvalidArgument([errors.FieldViolation("params", "must not contain NUL")])
    try:
        parsed = json_format.ParseDict(params, message())
    except json_format.ParseError as exc:
        raise errors.InvalidArgument([errors.FieldViolation("params", str(exc))]) from exc
    found = [
        errors.FieldViolation(
            ".".join(e.field_name for e in v.proto.field.elements), v.proto.message
        )
        for v in _validator.collect_violations(parsed)
    ]
    if found:
        raise errors.InvalidArgument(found)
    return parsed


def _json(message: Message) -> Any:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


class Bridge:
    """Answers one run's host calls for one project."""

    def __init__(
        self,
        episodic: EpisodicMemory,
        recall: Any | None,
        project: str,
        access: MemoryAccess,
        session_id: str,
    ) -> None:
        self._episodic = episodic
        self._recall = recall
        self.project = project
        self.access = access
        self.session_id = session_id

    async def call(self, method: Any, params: Any) -> dict[str, Any]:
        """{"ok": true, "value": ...} or {"ok": false, "error": {"reason", "message"}}."""
        handler = _METHODS.get(method) if isinstance(method, str) else None
        if handler is None or (method == "memory.recall" and self._recall is None):
            return _failure("NOT_FOUND", f"no host method {method!r}")
        if self.access is MemoryAccess.NONE:
            return _failure("PERMISSION_DENIED", "this run has no memory access")
        try:
            return {"ok": True, "value": await handler(self, params)}
        except errors.AthenaError as exc:
            if exc.reason == "INTERNAL":
                log.error("host call failed", exc_info=exc, extra={"method": method})
                return _failure("INTERNAL", "internal error")
            return _failure(exc.reason, exc.message)
        except Exception as exc:
            log.error("host call failed", exc_info=exc, extra={"method": method})
            return _failure("INTERNAL", "internal error")

    async def _search_events(self, params: Any) -> Any:
        req = _parse(params, memory_pb2.SearchEventsRequest)
        hits = await self._episodic.search(
            self.project,
            req.query,
            convert.event_filter(req.filter),
            req.top_k or 10,
            convert.search_mode(req.mode),
        )
        return [_json(convert.scored_event(h)) for h in hits]

    async def _get_event(self, params: Any) -> Any:
        req = _parse(params, memory_pb2.GetEventRequest)
        return _json(convert.event(await self._episodic.get(self.project, uuid.UUID(req.id))))

    async def _list_events(self, params: Any) -> Any:
        req = _parse(params, memory_pb2.ListEventsRequest)
        events, token = await self._episodic.list(
            self.project,
            convert.event_filter(req.filter),
            convert.event_order(req.order_by, req.order),
            req.page_size,
            req.page_token,
        )
        return {"events": [_json(convert.event(e)) for e in events], "next_page_token": token}

    async def _record_event(self, params: Any) -> Any:
        if self.access is not MemoryAccess.READ_WRITE:
            raise PermissionDenied("this run may read memory but not write it")
        if isinstance(params, dict) and isinstance(params.get("event"), dict):
            params = {**params, "event": {"session_id": self.session_id, **params["event"]}}
        req = _parse(params, memory_pb2.RecordEventRequest)
        events, _ = await self._episodic.record(
            self.project, [convert.new_event(req.event)], req.request_id
        )
        return _json(convert.event(events[0]))

    async def _get_event_stats(self, params: Any) -> Any:
        req = _parse(params, memory_pb2.GetEventStatsRequest)
        stats = await self._episodic.stats(self.project, convert.event_filter(req.filter))
        return _json(convert.stats(self.project, stats))

    async def _recall_memory(self, params: Any) -> Any:
        # Imported here: recall is an optional component, built only when the server has it.
        from athena.api import recall as recall_api
        from athena.v1 import recall_pb2

        req = _parse(params, recall_pb2.RecallRequest)
        if req.record_access and self.access is not MemoryAccess.READ_WRITE:
            raise PermissionDenied("record_access writes meta-memory; it needs read_write access")
        outcome = await self._recall.recall(self.project, recall_api.recall_query(req))
        return _json(
            recall_pb2.RecallResponse(
                results=[recall_api.recall_result(item) for item in outcome.items],
                context=outcome.context,
                context_tokens=outcome.context_tokens,
                truncated=outcome.truncated,
                temporal=outcome.temporal,
            )
        )


def _failure(reason: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"reason": reason, "message": message}}


_METHODS: dict[str, Handler] = {
    "memory.search_events": Bridge._search_events,
    "memory.get_event": Bridge._get_event,
    "memory.list_events": Bridge._list_events,
    "memory.record_event": Bridge._record_event,
    "memory.get_event_stats": Bridge._get_event_stats,
    "memory.recall": Bridge._recall_memory,
}
