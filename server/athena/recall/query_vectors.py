"""Query embeddings shared by the recall sources of one server."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from athena.embeddings import Embedder

# A recall embeds its query once per source that searches vectors (events and facts); agents
# also repeat queries. A few hundred 384-float vectors are ~0.5 MB.
CACHED_QUERIES = 256


class QueryVectors:
    """An Embedder for query texts that remembers the latest ones: the same query text embeds
    to the same vector, and a neural embedder would take milliseconds per call."""

    def __init__(self, embedder: Embedder, size: int = CACHED_QUERIES) -> None:
        self._embedder = embedder
        self._size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def name(self) -> str:
        return self._embedder.name

    @property
    def dimension(self) -> int:
        return self._embedder.dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, vector in zip(missing, self._embedder.embed(missing), strict=True):
                self._cache[text] = vector
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        for text in texts:
            self._cache.move_to_end(text)
        return np.stack([self._cache[t] for t in texts])
