"""Text embedders behind one small protocol."""

from athena.embeddings.base import Embedder, create_embedder
from athena.embeddings.hashing import HashingEmbedder

__all__ = ["Embedder", "HashingEmbedder", "create_embedder"]
