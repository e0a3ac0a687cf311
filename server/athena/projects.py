"""Projects (tenants): created on first write, pinned to the embedder that wrote their vectors."""

from __future__ import annotations

from athena.embeddings import Embedder
from athena.errors import EmbeddingMismatch
from athena.storage import Database, Queries


class Projects:
    """Makes sure a project row exists and agrees with this server's embedder."""

    def __init__(self, db: Database, queries: Queries, embedder: Embedder) -> None:
        self._db = db
        self._q = queries
        self._embedder = embedder
        # Projects already checked by this process; rows are never changed once created, so a
        # stale entry cannot hide a mismatch.
        self._checked: set[str] = set()

    async def ensure(self, project: str) -> None:
        """Create `project` if new; EmbeddingMismatch if it was written by another embedder."""
        if project in self._checked:
            return
        async with self._db.connection() as conn:
            row = await conn.fetchrow(
                self._q.ensure_project, project, self._embedder.name, self._embedder.dimension
            )
        assert row is not None
        if (row["embedder"], row["embedding_dim"]) != (
            self._embedder.name,
            self._embedder.dimension,
        ):
            raise EmbeddingMismatch(
                f"project {project!r} holds vectors from embedder {row['embedder']} "
                f"(dimension {row['embedding_dim']}); this server uses {self._embedder.name} "
                f"(dimension {self._embedder.dimension})",
                project=project,
                project_embedder=row["embedder"],
                server_embedder=self._embedder.name,
            )
        self._checked.add(project)
