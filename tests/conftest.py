"""Fixtures: an app on a real database (SQLite by default, PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import copy
import os
import smtplib
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.ctgov.importer import ImportSummary, import_records
from portal.ctgov.sources import read_sources
from portal.extensions import db, limiter
from portal.i18n_check import compile_catalogues
from portal.models import Base

REPO = Path(__file__).resolve().parents[1]
# Real ClinicalTrials.gov records, kept in the repository: 67 single studies and 20 gzipped bulk files.
DEMO_TRIALS = REPO / "portal" / "demo_trials"
CTGOV_BULK = REPO / "tests" / "data" / "ctgov-bulk"


ALLOWED_SMTP_PORTS: set[int] = set()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Translated pages need the compiled catalogues (never committed): built from the .po files before any test,
    so no app caches a language without them."""
    compile_catalogues()


# The session app and its settings as they were when it was built, to check each test against.
SESSION_APP: list[tuple[Flask, dict[str, Any]]] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Fail a test that leaves the session app's settings changed, which every later test would run with.

    Checked once all its fixtures are torn down, so what `monkeypatch.setitem(app.config, KEY, value)` changed is
    back; the settings are then put back, so a leak fails the one test that leaked.
    """
    result = yield
    for app, settings in SESSION_APP:
        changed = sorted(key for key in settings.keys() | app.config.keys() if _differs(settings, app.config, key))
        for key in changed:
            app.config.pop(key, None)
            if key in settings:
                app.config[key] = copy.deepcopy(settings[key])
        assert not changed, f"{item.nodeid} left these settings changed: {', '.join(changed)}; use monkeypatch"
    return result


def _differs(before: dict[str, Any], after: dict[str, Any], key: str) -> bool:
    return key not in before or key not in after or before[key] != after[key]


@pytest.fixture(autouse=True)
def no_stray_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test may only talk SMTP to a test server it started (or to a port it knows is closed)."""
    real_connect = smtplib.SMTP.connect

    def guarded(self: smtplib.SMTP, host: str = "localhost", port: int = 0, source_address: object = None):  # type: ignore[no-untyped-def]
        if host not in {"127.0.0.1", "localhost"} or port not in ALLOWED_SMTP_PORTS:
            raise AssertionError(f"this test tried SMTP to {host}:{port}, which is no test server of its own")
        return real_connect(self, host, port, source_address)  # type: ignore[arg-type]

    monkeypatch.setattr(smtplib.SMTP, "connect", guarded)


class RecordingHandler:
    """An aiosmtpd handler that keeps what it receives, and can be told to refuse or stall."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.raw: list[bytes] = []  # the bytes as they arrived, for what parsing would hide (encoded headers)
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: dict[str, str] = {}  # recipient -> SMTP reply, e.g. "550 No such user"
        self.stall_seconds = 0.0
        self.data_reply: str | None = None
        self.data_started = 0  # messages whose content has arrived, whatever the reply (a test can wait for one)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        # Decided on arrival: a stalled message keeps the reply it was given even if the test moves on.
        reply, stall = self.data_reply, self.stall_seconds
        self.data_started += 1
        if stall:
            await asyncio.sleep(stall)
        if reply:
            return reply
        raw = envelope.original_content or envelope.content
        self.raw.append(raw)
        self.messages.append(message_from_bytes(raw, policy=default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = RecordingHandler()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[Message]:
        return self.handler.messages


@pytest.fixture
def smtp_server(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 that the app is configured to use for this test."""
    server = SmtpServer(free_port())
    ALLOWED_SMTP_PORTS.add(server.port)
    use_smtp_server(monkeypatch, app, server.port, timeout=3)
    server.start()
    yield server
    server.stop()
    ALLOWED_SMTP_PORTS.discard(server.port)


def use_smtp_server(monkeypatch: pytest.MonkeyPatch, app: Flask, port: int, timeout: int | None = None) -> None:
    """Send this test's mail to 127.0.0.1:port; monkeypatch puts the settings back when the test ends."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    if timeout is not None:
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT", timeout)


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
            "RATELIMIT_ENABLED": True,
            # Generous by default; the rate-limit tests lower them.
            "CONTACT_RATE_LIMIT_IP": "1000 per minute",
            "CONTACT_RATE_LIMIT_EMAIL": "1000 per minute",
            "ALERTS_RATE_LIMIT_IP": "1000 per minute",
            "API_RATE_LIMIT": "100000 per minute",
            "ALERTS_RATE_LIMIT_EMAIL": "1000 per minute",
            "NOTES_UNLOCK_RATE_LIMIT_IP": "1000 per minute",
            "NOTES_SHARE_RATE_LIMIT_IP": "1000 per minute",
            "NOTES_EMAIL_RATE_LIMIT_SHARE": "1000 per minute",
            "OUTBOX_DELIVERY": "manual",
            # Embedding costs about 0.1 s a trial: only the tests of matching by meaning turn it on
            # (tests/embeddings, with the vectors of each text computed once per session).
            "EMBED_AFTER_IMPORT": False,
            # A reading process costs about a second to start: tests/ctgov/test_import_batches.py starts one.
            "IMPORT_WORKERS": 0,
        }
    )
    if url.startswith("postgresql"):
        _reset_postgres_schema(app)
    with app.app_context():
        upgrade()
    SESSION_APP.append((app, copy.deepcopy(dict(app.config))))
    yield app
    SESSION_APP.clear()
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
    limiter.reset()


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
        summary = import_records(db.session, read_sources(paths))
        db.session.remove()
    return summary


@pytest.fixture
def import_demo(app: Flask):  # type: ignore[no-untyped-def]
    """Import demo records by NCT ID."""

    def _import(*nct_ids: str) -> ImportSummary:
        summary = import_files(app, *(DEMO_TRIALS / f"{nct_id}.json" for nct_id in nct_ids))
        assert summary.failed == 0, summary.errors
        return summary

    return _import


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
