"""Recall's query-vector cache: same vectors as the embedder, each text embedded once, bounded."""

from __future__ import annotations

import numpy as np
from athena.embeddings.hashing import HashingEmbedder
from athena.recall.query_vectors import QueryVectors


class Counting(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def embed(self, texts):
        self.texts.extend(texts)
        return super().embed(texts)


def test_vectors_are_the_embedders_and_each_text_is_embedded_once() -> None:
    inner = Counting()
    cached = QueryVectors(inner, size=2)
    assert (cached.name, cached.dimension) == (inner.name, inner.dimension)
    first = cached.embed(["retry the deploy", "billing"])
    again = cached.embed(["billing", "retry the deploy", "billing"])
    assert np.array_equal(first, HashingEmbedder().embed(["retry the deploy", "billing"]))
    assert np.array_equal(again, first[[1, 0, 1]])
    assert inner.texts == ["retry the deploy", "billing"]


def test_the_least_recently_used_text_is_forgotten_first() -> None:
    inner = Counting()
    cached = QueryVectors(inner, size=2)
    cached.embed(["a"])
    cached.embed(["b"])
    cached.embed(["a"])  # "b" is now the oldest
    cached.embed(["c"])
    cached.embed(["a"])
    cached.embed(["b"])
    assert inner.texts == ["a", "b", "c", "b"]
