"""The language model on this machine: 384-dimension unit vectors that put related texts near each other."""

from __future__ import annotations

import numpy as np

from portal.embeddings.model import DIMENSIONS, Embedder


def test_vectors_have_384_dimensions_and_unit_length(real_embedder: Embedder) -> None:
    vectors = real_embedder.embed(["I can't sleep at night", "Knee replacement surgery", "heart attack"])
    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_related_text_ranks_above_an_unrelated_one(real_embedder: Embedder) -> None:
    query, insomnia, knee, infarction = real_embedder.embed(
        [
            "can't sleep",
            "A trial of cognitive behavioural therapy for adults with chronic insomnia",
            "Outcomes of total knee replacement surgery",
            "Acute myocardial infarction treated with a new stent",
        ]
    )
    assert query @ insomnia > query @ knee + 0.15
    assert query @ insomnia > query @ infarction
    heart_attack = real_embedder.embed_one("heart attack")
    assert heart_attack @ infarction > heart_attack @ knee + 0.15
    assert heart_attack @ infarction > heart_attack @ insomnia


def test_the_same_text_gives_the_same_vector_alone_or_in_a_batch(real_embedder: Embedder) -> None:
    """Padding in a batch must not change a vector (the mean is over the attention mask only)."""
    short, long = "asthma", "Bikram yoga for adults with asthma: a randomised trial of breathing and exercise"
    batch = real_embedder.embed([short, long])
    assert np.allclose(batch[0], real_embedder.embed_one(short), atol=1e-4)
    assert np.allclose(batch[1], real_embedder.embed_one(long), atol=1e-4)
