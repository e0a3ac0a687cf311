"""The `athena` command: serve, migrate, version."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from athena import __version__
from athena import config as config_mod
from athena import log as log_mod
from athena.config import Config
from athena.errors import AthenaError


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        help="TOML file with settings (top-level keys or an [athena] table). Env: ATHENA_CONFIG.",
    )
    for f in fields(Config):
        flag = "--" + f.name.replace("_", "-")
        default = f.default if f.default is not MISSING else None
        env = config_mod.ENV_PREFIX + f.name.upper()
        help_text = f"{f.metadata.get('help', '')} Env: {env}. Default: {default!s}."
        if isinstance(default, bool):
            parser.add_argument(
                flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None,
                help=help_text,
            )  # fmt: skip
        else:
            parser.add_argument(flag, dest=f.name, default=None, help=help_text)


def _resolve(args: argparse.Namespace) -> Config:
    names = {f.name for f in fields(Config)}
    flags: dict[str, Any] = {k: v for k, v in vars(args).items() if k in names}
    return config_mod.load(flags=flags, config_file=args.config)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="athena", description="Memory, execution and coordination service for AI agents."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve",
        help="Run the gRPC server.",
        description="Run the gRPC server. Settings: flags > ATHENA_* environment > TOML > "
        "defaults. Without a database URL an embedded PostgreSQL starts in DATA_DIR/pg.",
    )
    _add_config_flags(serve)
    migrate = sub.add_parser("migrate", help="Apply pending database migrations and exit.")
    _add_config_flags(migrate)
    sub.add_parser("version", help="Print the version.")
    return parser


async def _migrate(config: Config) -> list[int]:
    from athena.server import database_url
    from athena.storage.migrate import apply_migrations

    dsn, embedded = await database_url(config)
    try:
        return await apply_migrations(dsn)
    finally:
        if embedded is not None:
            await embedded.stop()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "version":
        print(__version__)
        return 0
    try:
        config = _resolve(args)
    except (ValueError, OSError) as exc:
        print(f"athena: invalid configuration: {exc}", file=sys.stderr)
        return 2
    log_mod.configure(config.log_level, config.log_format)
    try:
        if args.command == "migrate":
            applied = asyncio.run(_migrate(config))
            print(f"athena: applied migrations {applied}" if applied else "athena: up to date")
            return 0
        from athena.server import serve

        asyncio.run(serve(config))
        return 0
    except AthenaError as exc:
        print(f"athena: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
