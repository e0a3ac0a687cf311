"""Athena: memory, execution and coordination service for AI agents."""

import os

# The server forks only to exec (the embedded PostgreSQL's initdb and pg_ctl; the embedding
# worker is spawned). gRPC's fork handlers, which grpcio 1.85's core turns on while its Python
# layer leaves them off, then run in a child forked while gRPC's threads are busy: one such
# initdb died of SIGSEGV in a test run. Set before gRPC is first used, so it reads it.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

__version__ = "0.1.0"
