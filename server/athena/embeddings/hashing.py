"""A deterministic local embedder: hashed words, word pairs and character n-grams.

No download, no model, the same vector on every machine. Words carry most of the weight;
character 4-grams let morphological variants ("deploy", "deployment") and typos land near each
other; adjacent word pairs add a little phrase sense. Each feature hashes to a dimension and a
sign (the signed "hashing trick"), then the vector is L2-normalised so cosine = dot product.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from athena.embeddings.base import SCHEMA_DIMENSION

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = frozenset(
    "a an and are as at be but by for from has have i in is it its of on or that the this to "
    "was were will with you".split()
)
_WORD_WEIGHT = 1.0
_NGRAM_WEIGHT = 0.35
_PAIR_WEIGHT = 0.5


def _bucket(feature: str, dim: int) -> tuple[int, float]:
    h = zlib.crc32(feature.encode())
    return h % dim, (1.0 if (h >> 31) & 1 else -1.0)


@lru_cache(maxsize=200_000)
def _word_features(word: str, dim: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Buckets and weights of one word: the word itself plus its character 4-grams."""
    index, sign = _bucket("w:" + word, dim)
    indices, weights = [index], [sign * _WORD_WEIGHT]
    padded = f"<{word}>"
    if len(padded) > 4:
        for i in range(len(padded) - 3):
            index, sign = _bucket("c:" + padded[i : i + 4], dim)
            indices.append(index)
            weights.append(sign * _NGRAM_WEIGHT)
    return tuple(indices), tuple(weights)


@lru_cache(maxsize=200_000)
def _pair_feature(first: str, second: str, dim: int) -> tuple[int, float]:
    index, sign = _bucket(f"p:{first} {second}", dim)
    return index, sign * _PAIR_WEIGHT


class HashingEmbedder:
    """The default embedder (`hash-ngram-v1`)."""

    NAME = "hash-ngram-v1"

    def __init__(self, dimension: int = SCHEMA_DIMENSION) -> None:
        self._dimension = dimension

    @property
    def name(self) -> str:
        return self.NAME

    @property
    def dimension(self) -> int:
        return self._dimension

    def _one(self, text: str) -> np.ndarray:
        words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
        dim = self._dimension
        indices: list[int] = []
        weights: list[float] = []
        for word in words:
            word_indices, word_weights = _word_features(word, dim)
            indices.extend(word_indices)
            weights.extend(word_weights)
        for first, second in itertools.pairwise(words):
            index, weight = _pair_feature(first, second, dim)
            indices.append(index)
            weights.append(weight)
        vector = np.bincount(indices, weights=weights, minlength=dim).astype(np.float32)
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            # Text with no words (only punctuation, say) still needs a valid unit vector.
            vector[0] = 1.0
            return vector
        return vector / norm

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        # Per text rather than one bincount over the batch: measured faster (9.9 vs 13.2 ms per
        # 100 texts), the batch version paying for a large offset list.
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        return np.stack([self._one(t) for t in texts])
