"""The shared index of meaning vectors: searches and similar trials answer as the scan does, and never from an
index that no longer holds the current vectors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from portal.embeddings.runtime import get_matrix, refresh_index
from portal.embeddings.store import embed_trials
from portal.extensions import db
from portal.models import Trial
from portal.trials.similar import similar_trials
from tests.embeddings.conftest import RecordingEmbedder, import_and_embed
from tests.embeddings.test_hybrid_search import GLUCOSE_AFTER_PANCREATECTOMY, ids, search

NSCLC_RECRUITING = "NCT06097962"


@pytest.fixture
def indexed(app: Flask, embedder: RecordingEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The 67 demo trials, embedded by an import that builds the index (its minimum lowered to fit them)."""
    monkeypatch.setitem(app.config, "VECTOR_INDEX_MIN_TRIALS", 10)
    monkeypatch.setitem(app.config, "VECTOR_INDEX_DIR", str(tmp_path / "vectors"))
    import_and_embed(app)
    return tmp_path / "vectors"


def kind_in_use(app: Flask) -> str:
    with app.app_context():
        return type(get_matrix(db.session)).__name__


def similar_ids(app: Flask, nct_id: str) -> list[str]:
    with app.app_context():
        trial = db.session.scalars(select(Trial).where(Trial.nct_id == nct_id)).one()
        return [s.nct_id for s in similar_trials(db.session, trial)]


def test_an_import_builds_the_index_and_searches_answer_as_the_scan_does(
    app: Flask, indexed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meta = json.loads((indexed / "trial-vectors.json").read_text())
    assert meta["count"] == 67 and (indexed / meta["file"]).is_file()
    assert kind_in_use(app) == "VectorIndex"
    from_index = search(app, q="sugar diabetes")
    similar_from_index = similar_ids(app, NSCLC_RECRUITING)

    monkeypatch.setitem(app.config, "VECTOR_INDEX_MIN_TRIALS", 0)  # indexes off: every process scans
    assert kind_in_use(app) == "VectorMatrix"
    scanned = search(app, q="sugar diabetes")
    assert GLUCOSE_AFTER_PANCREATECTOMY in ids(from_index)
    assert ids(from_index) == ids(scanned)
    assert similar_from_index and similar_from_index == similar_ids(app, NSCLC_RECRUITING)


def test_vectors_newer_than_the_index_are_scanned_until_it_is_rebuilt(
    app: Flask, indexed: Path, embedder: RecordingEmbedder
) -> None:
    assert kind_in_use(app) == "VectorIndex"
    with app.app_context():
        trial = db.session.scalars(select(Trial).where(Trial.nct_id == GLUCOSE_AFTER_PANCREATECTOMY)).one()
        trial.brief_title = "Sleep problems at night: a study of trouble falling asleep"
        db.session.flush()
        embed_trials(db.session, embedder, [trial.id])  # a new vector; the index still holds the old one
    assert kind_in_use(app) == "VectorMatrix"
    assert GLUCOSE_AFTER_PANCREATECTOMY in ids(search(app, q="can't sleep at night"))

    with app.app_context():
        built = refresh_index(db.session)
    assert built is not None and built.count == 67
    assert kind_in_use(app) == "VectorIndex"
    assert GLUCOSE_AFTER_PANCREATECTOMY in ids(search(app, q="can't sleep at night"))


def test_below_its_minimum_the_index_is_removed_and_searches_scan(
    app: Flask, indexed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "VECTOR_INDEX_MIN_TRIALS", 1000)
    with app.app_context():
        built = refresh_index(db.session)
    assert built is not None and built.path is None
    assert not (indexed / "trial-vectors.json").exists() and not list(indexed.glob("*.usearch"))
    assert kind_in_use(app) == "VectorMatrix"
    assert GLUCOSE_AFTER_PANCREATECTOMY in ids(search(app, q="sugar diabetes"))


def test_a_process_that_opens_the_index_can_still_run_the_model() -> None:
    """usearch loaded before onnxruntime kills the process; the index module loads them in the working order."""
    code = (
        "import portal.embeddings.index\n"
        "from portal.embeddings.model import default_model_path, default_tokenizer_path, load_embedder\n"
        "vector = load_embedder(default_model_path(), default_tokenizer_path()).embed_one('trouble sleeping')\n"
        "print(vector.shape[0])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "384"
