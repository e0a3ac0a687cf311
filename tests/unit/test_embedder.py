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
