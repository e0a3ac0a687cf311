"""The embedder protocol and the registry of available embedders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

# The events.embedding column is vector(384): the dimension of common small sentence encoders
# (all-MiniLM-L6-v2), so a neural embedder can replace the default without a schema change.
SCHEMA_DIMENSION = 384


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    @property
    def name(self) -> str:
        """Stable identifier stored with each project; vectors of different names don't mix."""
        ...

    @property
    def dimension(self) -> int:
        """Length of every vector this embedder returns."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, shape (len(texts), dimension), dtype float32."""
        ...


def create_embedder(name: str) -> Embedder:
    """Build the embedder a configuration names."""
    from athena.embeddings.hashing import HashingEmbedder

    if name == HashingEmbedder.NAME:
        return HashingEmbedder()
    raise ValueError(f"unknown embedder {name!r}; available: {HashingEmbedder.NAME}")
