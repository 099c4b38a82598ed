"""A trial's search phrases (trial_terms) have no foreign key, for the import's speed: they still go with the trial."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import Trial, TrialTerm
from tests.conftest import DEMO_TRIALS
from tests.ctgov.test_import import run_import


def test_deleting_a_trial_deletes_its_phrases_and_no_others(app: Flask, runner: FlaskCliRunner) -> None:
    result = run_import(runner, DEMO_TRIALS / "NCT04012996.json", DEMO_TRIALS / "NCT04267848.json")
    assert "2 created" in result.output
    with app.app_context():
        ids = dict(db.session.execute(select(Trial.nct_id, Trial.id)).all())
        per_trial = dict(
            db.session.execute(select(TrialTerm.trial_id, func.count()).group_by(TrialTerm.trial_id)).all()
        )
        assert per_trial[ids["NCT04012996"]] > 0 and per_trial[ids["NCT04267848"]] > 0
        db.session.execute(delete(Trial).where(Trial.nct_id == "NCT04012996"))
        db.session.commit()
        left = dict(db.session.execute(select(TrialTerm.trial_id, func.count()).group_by(TrialTerm.trial_id)).all())
    assert left == {ids["NCT04267848"]: per_trial[ids["NCT04267848"]]}
