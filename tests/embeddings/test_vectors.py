"""Vectors are computed after an import, stored in the database, and not computed again for an unchanged trial."""

from __future__ import annotations

import numpy as np
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, update

from portal.embeddings.model import DIMENSIONS
from portal.embeddings.store import embed_trials, embedding_text, from_bytes
from portal.extensions import db
from portal.models import Trial, TrialEmbedding
from tests.conftest import DEMO_TRIALS
from tests.embeddings.conftest import RecordingEmbedder

THREE = ("NCT04040387", "NCT01213277", "NCT06097962")


def stored(app: Flask) -> dict[str, TrialEmbedding]:
    with app.app_context():
        rows = db.session.execute(select(Trial.nct_id, TrialEmbedding).join(TrialEmbedding)).tuples().all()
        db.session.expunge_all()
        return dict(rows)


def test_an_import_stores_a_unit_vector_per_trial_and_a_reimport_computes_none(
    app: Flask, runner: FlaskCliRunner, embedder: RecordingEmbedder
) -> None:
    paths = [str(DEMO_TRIALS / f"{nct_id}.json") for nct_id in THREE]
    first = runner.invoke(args=["trials", "import", *paths])
    assert first.exit_code == 0, first.output
    assert "Meaning vectors: 3 computed, 0 unchanged." in first.output
    assert len(embedder.texts_asked) == 3
    rows = stored(app)
    assert set(rows) == set(THREE)
    for row in rows.values():
        vector = from_bytes(row.vector)
        assert vector.shape == (DIMENSIONS,)
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
        assert row.model_id == embedder.model_id

    again = runner.invoke(args=["trials", "import", *paths])
    assert again.exit_code == 0, again.output
    assert "Nothing changed" in again.output
    assert len(embedder.texts_asked) == 3  # not one more text sent to the model
    assert {n: r.text_hash for n, r in stored(app).items()} == {n: r.text_hash for n, r in rows.items()}


def test_only_a_trial_whose_embedded_text_changed_is_computed_again(app: Flask, embedder: RecordingEmbedder) -> None:
    from tests.embeddings.conftest import import_and_embed

    import_and_embed(app, *THREE)
    assert len(embedder.texts_asked) == 3
    with app.app_context():
        # A status change alone: the trial changed, its embedded text did not.
        db.session.execute(update(Trial).where(Trial.nct_id == THREE[0]).values(overall_status="COMPLETED"))
        db.session.commit()
        summary = embed_trials(db.session, embedder)
        assert (summary.computed, summary.unchanged) == (0, 1)
        assert len(embedder.texts_asked) == 3
        # Checked once, not again at every run.
        assert embed_trials(db.session, embedder).unchanged == 0
        # A new summary changes the text: that trial, and only it, is computed again.
        before = stored(app)[THREE[1]].vector
        db.session.execute(
            update(Trial).where(Trial.nct_id == THREE[1]).values(brief_summary="People with type 2 diabetes.")
        )
        db.session.commit()
        summary = embed_trials(db.session, embedder)
        assert (summary.computed, summary.unchanged) == (1, 0)
        trial = db.session.scalar(select(Trial).where(Trial.nct_id == THREE[1]))
        assert embedder.texts_asked[-1] == embedding_text(trial)
        assert "People with type 2 diabetes." in embedder.texts_asked[-1]
        assert stored(app)[THREE[1]].vector != before
        assert db.session.scalar(select(func.count()).select_from(TrialEmbedding)) == 3
