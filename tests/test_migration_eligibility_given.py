"""Migration c95613aee4fc fills `eligibility_given` for trials imported before it, from the records as imported."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db
from tests.conftest import CTGOV_BULK, DEMO_TRIALS, import_files

REVISION = "c95613aee4fc"
PARTIAL_EXPORT = CTGOV_BULK / "dgarzon11__clinicaltrialsHFpEF__duchenne_studies_sample.json.gz"


def given_by_trial(table: str) -> dict[str, bool]:
    rows = db.session.execute(text(f"SELECT nct_id, eligibility_given FROM {table}"))  # noqa: S608
    return {nct_id: bool(given) for nct_id, given in rows.tuples()}


def test_trials_imported_before_the_migration_get_the_right_value(app: Flask) -> None:
    assert (
        import_files(app, PARTIAL_EXPORT, DEMO_TRIALS / "NCT05631392.json", DEMO_TRIALS / "NCT04409171.json").failed
        == 0
    )
    with app.app_context():
        imported = given_by_trial("trials")
        db.session.remove()
        script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
        before = script.get_revision(REVISION).down_revision
        assert isinstance(before, str)
        downgrade(revision=before)
        assert "eligibility_given" not in {c["name"] for c in inspect(db.engine).get_columns("trials")}
        upgrade()
        trials, facts = given_by_trial("trials"), given_by_trial("search_facts")
        db.session.remove()
    assert trials == facts == imported
    assert sum(not given for given in trials.values()) == 427
    assert trials["NCT05412394"] is False and trials["NCT05631392"] is True and trials["NCT04409171"] is True
