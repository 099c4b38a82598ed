"""The importer's batch writes the search index exactly as writing one trial at a time does, on either database,
so a trial ranks the same whichever way it came in."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import undefer

from portal.ctgov.record import content_hash, normalise_study
from portal.extensions import db
from portal.models import Trial
from portal.models.search_index import document_for, index_trial
from tests.conftest import DEMO_TRIALS, import_files


def indexed(dialect: str) -> dict[int, tuple[object, ...]]:
    if dialect == "postgresql":
        query = "SELECT trial_id, search_vector::text, rank_vector::text, overall_status, phase_mask FROM search_facts"
    else:
        query = (
            "SELECT f.trial_id, s.conditions, s.titles, s.others, s.summary, s.description, f.overall_status, "
            "f.phase_mask FROM search_facts f JOIN trial_search s ON s.rowid = f.trial_id"
        )
    return {row[0]: tuple(row[1:]) for row in db.session.execute(text(query))}


def test_a_batch_indexes_every_trial_as_one_at_a_time_would(app: Flask) -> None:
    import_files(app, *sorted(DEMO_TRIALS.glob("*.json")))
    with app.app_context():
        dialect = db.engine.dialect.name
        batch = indexed(dialect)
        assert len(batch) == 67 and all(all(value is not None for value in row) for row in batch.values())
        for trial in db.session.scalars(select(Trial).options(undefer(Trial.raw))):
            data = normalise_study(trial.raw, content_hash(trial.raw))
            index_trial(db.session, trial, document_for(data.columns, data.conditions))
        one_at_a_time = indexed(dialect)
        db.session.rollback()
    assert one_at_a_time == batch
