from __future__ import annotations

import numpy as np
import pytest
from athena.embeddings import HashingEmbedder, create_embedder


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


def test_shape_norm_and_determinism(embedder: HashingEmbedder) -> None:
    vectors = embedder.embed(["deploy the api", "deploy the api", ""])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert np.array_equal(vectors[0], vectors[1])
    assert np.array_equal(HashingEmbedder().embed(["deploy the api"])[0], vectors[0])


def test_related_texts_are_closer_than_unrelated(embedder: HashingEmbedder) -> None:
    a, b, c = embedder.embed(
        ["deploying services to production", "deployment of a service in production",
         "baking sourdough bread at home"]
    )  # fmt: skip
    assert a @ b > 0.3
    assert a @ b > a @ c + 0.2


def test_case_and_stopwords_do_not_matter(embedder: HashingEmbedder) -> None:
    a, b = embedder.embed(["The Database Failed", "database failed"])
    assert a @ b == pytest.approx(1.0, abs=1e-6)


def test_empty_batch(embedder: HashingEmbedder) -> None:
    assert embedder.embed([]).shape == (0, 384)


def test_registry() -> None:
    assert create_embedder("hash-ngram-v1").name == "hash-ngram-v1"
    with pytest.raises(ValueError, match="unknown embedder"):
        create_embedder("gpt-embed")


def _reference(text: str, dim: int = 384) -> np.ndarray:
    """The feature definition written plainly, one text at a time: the batched implementation
    must give the same vectors (stored vectors of existing projects depend on it)."""
    import itertools
    import zlib

    from athena.embeddings.hashing import _STOP, _WORD

    def bucket(feature: str) -> tuple[int, float]:
        h = zlib.crc32(feature.encode())
        return h % dim, (1.0 if (h >> 31) & 1 else -1.0)

    vector = np.zeros(dim)
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
    for word in words:
        index, sign = bucket("w:" + word)
        vector[index] += sign
        padded = f"<{word}>"
        if len(padded) > 4:
            for i in range(len(padded) - 3):
                index, sign = bucket("c:" + padded[i : i + 4])
                vector[index] += sign * 0.35
    for first, second in itertools.pairwise(words):
        index, sign = bucket(f"p:{first} {second}")
        vector[index] += sign * 0.5
    norm = np.linalg.norm(vector)
    if norm == 0:
        vector[0] = 1.0
        return vector
    return vector / norm


def test_batched_embedding_matches_the_plain_definition() -> None:
    texts = [
        "Deploy the API to staging, then run the smoke tests",
        "",
        "!!! ???",
        "a the of",
        "x",
        "déployer l'ünïcode — 日本語 テキスト",
        "repeat repeat repeat repeat",
        "fix: KeyError in billing/invoice.py::total (line 42)",
    ]
    embedder = HashingEmbedder()
    # Twice, so the second pass runs on features the table already holds.
    for _ in range(2):
        got = embedder.embed(texts)
        want = np.stack([_reference(t) for t in texts])
        assert np.allclose(got, want, atol=1e-6)
    # Batch composition must not matter.
    singles = np.stack([embedder.embed([t])[0] for t in texts])
    assert np.allclose(singles, got, atol=1e-7)


def test_feature_table_is_bounded() -> None:
    """Cleared between batches once past MAX_KEYS: at most MAX_KEYS plus one batch's keys."""
    embedder = HashingEmbedder()
    embedder._table.MAX_KEYS = 50
    batches = [[f"w{b}x{i} o{b}x{i} t{b}x{i}" for i in range(20)] for b in range(5)]
    for batch in batches:
        vectors = embedder.embed(batch)
        assert len(embedder._table._ids) <= 50 + 20 * 5
        assert np.allclose(vectors, HashingEmbedder().embed(batch), atol=1e-7)
