"""Fixtures: an app on a real database (SQLite by default, PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.ctgov.importer import ImportSummary, import_records
from portal.ctgov.sources import expand_paths, read_file
from portal.extensions import db
from portal.models import Base

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_CTGOV = SHARED / "ctgov"
SHARED_BULK = SHARED / "ctgov-bulk"
DEMO_TRIALS = REPO / "portal" / "demo_trials"


def shared_dir(path: Path) -> Path:
    if not path.is_dir():
        pytest.fail(f"{path} is missing: the tests need the shared ClinicalTrials.gov records beside the repo")
    return path


@pytest.fixture(autouse=True)
def no_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that reaches for SMTP without its own server fixture fails instead of mailing anyone."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("this test tried to open an SMTP connection without an SMTP test server")

    monkeypatch.setattr("smtplib.SMTP.connect", refuse)


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _reset_postgres_schema(app: Flask) -> None:
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    url = _database_url(tmp_path_factory)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "PORTAL_BASE_URL": "https://trials.example.org",
            "RATELIMIT_ENABLED": False,
            "OUTBOX_DELIVERY": "manual",
        }
    )
    if url.startswith("postgresql"):
        _reset_postgres_schema(app)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts from empty tables (rows committed by the code under test included)."""
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    app.extensions["trial_page_cache"].clear()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def import_files(app: Flask, *paths: Path) -> ImportSummary:
    with app.app_context():
        summary = import_records(db.session, (read_file(p) for p in expand_paths(paths)))
        db.session.remove()
    return summary


@pytest.fixture
def import_demo(app: Flask):  # type: ignore[no-untyped-def]
    """Import demo records by NCT ID (copies of the shared records kept in the project)."""

    def _import(*nct_ids: str) -> ImportSummary:
        summary = import_files(app, *(DEMO_TRIALS / f"{nct_id}.json" for nct_id in nct_ids))
        assert summary.failed == 0, summary.errors
        return summary

    return _import


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
