"""Fixtures for matching by meaning: the real model, loaded once, with each text's vector computed once a session."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from flask import Flask

from portal.embeddings.model import Embedder, Vectors, default_model_path, default_tokenizer_path, load_embedder
from portal.embeddings.runtime import set_embedder
from tests.conftest import DEMO_TRIALS, import_files


class RecordingEmbedder:
    """The real model, counting the texts it is asked to embed; a text already embedded this session is answered
    from memory (the same vector the model gave), so the demo trials cost the model once."""

    def __init__(self, real: Embedder, memory: dict[str, Vectors]) -> None:
        self.real = real
        self.model_id = real.model_id
        self.memory = memory
        self.texts_asked: list[str] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.texts_asked.extend(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self.memory]
        if missing:
            self.memory.update(zip(missing, self.real.embed(missing), strict=True))
        return np.vstack([self.memory[t] for t in texts]) if texts else self.real.embed([])

    def embed_one(self, text: str) -> Vectors:
        return self.embed([text])[0]


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    return load_embedder(default_model_path(), default_tokenizer_path())


@pytest.fixture(scope="session")
def vector_memory() -> dict[str, Vectors]:
    return {}


@pytest.fixture
def embedder(
    app: Flask, real_embedder: Embedder, vector_memory: dict[str, Vectors], monkeypatch: pytest.MonkeyPatch
) -> Iterator[RecordingEmbedder]:
    """The app embeds after imports, with the recording embedder."""
    recording = RecordingEmbedder(real_embedder, vector_memory)
    monkeypatch.setitem(app.config, "EMBED_AFTER_IMPORT", True)
    set_embedder(app, recording)
    yield recording
    app.extensions.pop("embedding_model", None)
    app.extensions.pop("embedding_matrix", None)


def import_and_embed(app: Flask, *nct_ids: str) -> None:
    """Import demo trials (all 67 when none are named), then run the step after an import, which embeds them."""
    from portal.extensions import db
    from portal.post_import import embed_changed_trials

    paths = [DEMO_TRIALS / f"{n}.json" for n in nct_ids] if nct_ids else sorted(DEMO_TRIALS.glob("NCT*.json"))
    summary = import_files(app, *paths)
    assert summary.failed == 0, summary.errors
    with app.app_context():
        embed_changed_trials(db.session)
        db.session.remove()
