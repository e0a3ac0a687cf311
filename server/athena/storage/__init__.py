"""PostgreSQL access: connection pool, named SQL, migrations, driver-error translation."""

from athena.storage.database import Database, connect
from athena.storage.queries import Queries, load_queries

__all__ = ["Database", "Queries", "connect", "load_queries"]
