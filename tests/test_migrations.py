"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db
from portal.models import Base
from portal.models.search_index import include_object


def schema_differences(app: Flask) -> list[object]:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        return compare_metadata(context, Base.metadata)


def test_upgrade_from_empty_matches_the_models(app: Flask) -> None:
    with app.app_context():
        downgrade(revision="base")
        leftover = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert leftover == set()
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
    assert {"trials", "sites", "trial_conditions", "faqs"} <= tables
    assert schema_differences(app) == []


def test_every_constraint_has_a_name(app: Flask) -> None:
    with app.app_context():
        inspector = inspect(db.engine)
        for table in Base.metadata.sorted_tables:
            for fk in inspector.get_foreign_keys(table.name):
                assert fk["name"], f"unnamed foreign key on {table.name}"
            for unique in inspector.get_unique_constraints(table.name):
                assert unique["name"], f"unnamed unique constraint on {table.name}"
            for index in inspector.get_indexes(table.name):
                assert index["name"], f"unnamed index on {table.name}"


def test_the_freshness_dates_come_from_the_stored_records_and_a_downgrade_keeps_every_trial(
    app: Flask, import_demo: Callable[..., object]
) -> None:
    """Trials imported before revision 7e21e4ee0039 get their status and primary completion dates without a
    re-import, and going back drops only those columns (a table copy on SQLite would cascade-delete the sites)."""
    import_demo("NCT04600544", "NCT01213277")  # verified 2023-10, actual 2022-10-19; verified 2010-09, 2011-05

    def state() -> tuple[set[tuple[str, str | None, str | None, str | None]], int]:
        trials = db.session.execute(
            text(
                "SELECT nct_id, status_verified_date, primary_completion_date, primary_completion_date_type FROM trials"
            )
        ).tuples()
        sites = db.session.scalar(text("SELECT count(*) FROM sites"))
        db.session.remove()
        return set(trials), sites or 0

    with app.app_context():
        before = state()
        downgrade(revision="7e21e4ee0039-1")
        assert db.session.scalar(text("SELECT count(*) FROM sites")) == before[1]
        db.session.remove()
        upgrade()
        after = state()
    assert before == after
    assert before[0] == {
        ("NCT04600544", "2023-10", "2022-10-19", "ACTUAL"),
        ("NCT01213277", "2010-09", "2011-05", None),
    }
    assert before[1] == 3
