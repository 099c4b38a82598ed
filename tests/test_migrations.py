"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

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
