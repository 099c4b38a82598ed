"""After an import, from the command line or the operators' upload: fresh pages, fresh statistics, alert emails."""

from __future__ import annotations

import json
import logging
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import OutboxEmail, Trial, TrialGlossaryMatch
from tests.alerts.helpers import CHICAGO, study, subscribe
from tests.conftest import SmtpServer, free_port
from tests.ctgov.test_import import planner_rows
from tests.processes import REDIS_URL, Workers, wait_until
from tests.staff import csrf_token, make_user, sign_in

ADMIN = "ops@example.org"
CHANGED = "NCT90000031"  # imported first, then changed by the import under test
NEW = "NCT90000032"  # new in the import under test, and fits the subscriber


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    make_user(app, ADMIN, role="admin")
    sign_in(client, ADMIN)
    return client


def first_version() -> dict[str, Any]:
    return study(CHANGED, conditions=["Asthma"], sites=[("Chicago", CHICAGO, "RECRUITING")], updated="2026-11-01")


def the_import(tmp_path: Path) -> Path:
    """A newer version of CHANGED (a new title) and a new lupus trial in Chicago."""
    newer = study(
        CHANGED, conditions=["Asthma", "Wheezing"], sites=[("Chicago", CHICAGO, "RECRUITING")], updated="2026-12-01"
    )
    new = study(NEW, conditions=["Lupus"], sites=[("Chicago", CHICAGO, "RECRUITING")])
    path = tmp_path / "import.json"
    path.write_text(json.dumps([newer, new]))
    return path


def before_the_import(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> FlaskClient:
    """A subscriber for lupus near Chicago, one trial imported (statistics: 1 trial) and its page cached."""
    subscribe(app, "pat@example.org", "lupus", place="Chicago", radius_miles=25)
    path = tmp_path / "first.json"
    path.write_text(json.dumps(first_version()))
    assert runner.invoke(args=["trials", "import", str(path)]).exit_code == 0
    assert planner_rows(app, "search_facts") == 1
    visitor = app.test_client()
    assert f"Study {CHANGED} of Asthma</span> <span" in visitor.get(f"/trials/{CHANGED}").get_data(as_text=True)
    return visitor


def upload(admin: FlaskClient, path: Path) -> str:
    response = admin.post(
        "/admin/trials/import",
        data={"csrf_token": csrf_token(admin, "/admin/trials"), "file": (BytesIO(path.read_bytes()), path.name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def alert_subjects(app: Flask) -> list[str]:
    with app.app_context():
        subjects = list(db.session.scalars(select(OutboxEmail.subject).where(OutboxEmail.kind == "alerts_new")))
        db.session.remove()
    return subjects


def assert_pages_and_statistics_are_fresh(app: Flask, visitor: FlaskClient) -> None:
    assert len(app.extensions["trial_page_cache"]) == 0  # emptied (the new version would miss it anyway)
    page = visitor.get(f"/trials/{CHANGED}").get_data(as_text=True)
    assert f"Study {CHANGED} of Asthma, Wheezing</span> <span" in page
    with app.app_context():
        trials = db.session.scalar(select(func.count()).select_from(Trial))
    assert trials == 2
    assert planner_rows(app, "search_facts") == 2


def test_the_command_line_import_refreshes_pages_statistics_and_alerts(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    visitor = before_the_import(app, runner, tmp_path)
    result = runner.invoke(args=["trials", "import", str(the_import(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "Import finished: 1 created, 1 updated, 0 unchanged, 0 failed." in result.output
    assert "Alerts: 1 new alerts, 1 alert emails, 0 weekly digests." in result.output
    assert_pages_and_statistics_are_fresh(app, visitor)
    [subject] = alert_subjects(app)
    assert NEW in subject


def test_without_a_worker_the_upload_does_it_in_the_request(
    app: Flask, runner: FlaskCliRunner, admin: FlaskClient, tmp_path: Path
) -> None:
    visitor = before_the_import(app, runner, tmp_path)
    html = upload(admin, the_import(tmp_path))
    assert "Import finished: 1 created, 1 updated, 0 unchanged, 0 failed." in html
    assert "Alerts: 1 new alerts, 1 alert emails, 0 weekly digests." in html
    assert_pages_and_statistics_are_fresh(app, visitor)
    [subject] = alert_subjects(app)
    assert NEW in subject


def test_an_upload_that_changes_nothing_runs_no_alerts(
    app: Flask, runner: FlaskCliRunner, admin: FlaskClient, tmp_path: Path
) -> None:
    before_the_import(app, runner, tmp_path)
    path = tmp_path / "again.json"
    path.write_text(json.dumps(first_version()))
    html = upload(admin, path)
    assert "0 created, 0 updated, 1 unchanged" in html
    assert "Alerts:" not in html and "mail worker" not in html


def test_with_rq_a_mail_worker_runs_the_slow_steps(
    app: Flask,
    runner: FlaskCliRunner,
    admin: FlaskClient,
    smtp_server: SmtpServer,
    workers: Workers,
    tmp_path: Path,
) -> None:
    visitor = before_the_import(app, runner, tmp_path)
    workers.env["ALERTS_RUN_SECONDS"] = "0"  # only the job may match: no periodic alert run on this worker
    workers.start()
    assert wait_until(lambda: all("Listening on mail" in log for log in workers.logs())), workers.logs()
    app.config.update(REDIS_URL=REDIS_URL, OUTBOX_DELIVERY="rq")
    try:
        html = upload(admin, the_import(tmp_path))
    finally:
        app.config.update(REDIS_URL=None, OUTBOX_DELIVERY="manual")
    assert "Import finished: 1 created, 1 updated, 0 unchanged, 0 failed." in html
    assert "A mail worker is updating the search statistics and sending trial alerts." in html
    assert "Alerts:" not in html  # not run in the request
    # The page is fresh at once; the worker refreshes the statistics, matches and delivers the alert.
    assert len(app.extensions["trial_page_cache"]) == 0
    page = visitor.get(f"/trials/{CHANGED}").get_data(as_text=True)
    assert f"Study {CHANGED} of Asthma, Wheezing</span> <span" in page
    assert wait_until(lambda: len(smtp_server.messages) == 1), workers.logs()
    [message] = smtp_server.messages
    assert message["To"] == "pat@example.org" and NEW in message["Subject"]
    assert planner_rows(app, "search_facts") == 2
    assert "portal.post_import.refresh_and_match_job()" in workers.logs()[0]


def test_with_redis_down_the_upload_does_it_in_the_request(
    app: Flask, runner: FlaskCliRunner, admin: FlaskClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    visitor = before_the_import(app, runner, tmp_path)
    app.config.update(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", OUTBOX_DELIVERY="rq")
    try:
        with caplog.at_level(logging.WARNING, logger="portal.post_import"):
            html = upload(admin, the_import(tmp_path))
    finally:
        app.config.update(REDIS_URL=None, OUTBOX_DELIVERY="manual")
    assert "Import finished: 1 created, 1 updated, 0 unchanged, 0 failed." in html
    assert "Alerts: 1 new alerts, 1 alert emails, 0 weekly digests." in html
    assert_pages_and_statistics_are_fresh(app, visitor)
    assert NEW in alert_subjects(app)[0]
    warnings = [r for r in caplog.records if r.name == "portal.post_import"]
    assert len(warnings) == 1 and "running it in this request" in warnings[0].getMessage()


def test_with_the_glossary_step_off_an_import_stores_no_matches_and_alerts_still_go(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full registry load leaves the glossary (about 15 ms a trial) to `flask trials match-glossary`."""
    visitor = before_the_import(app, runner, tmp_path)
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(TrialGlossaryMatch))
    monkeypatch.setitem(app.config, "GLOSSARY_AFTER_IMPORT", False)
    result = runner.invoke(args=["trials", "import", str(the_import(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "Alerts: 1 new alerts, 1 alert emails, 0 weekly digests." in result.output
    assert_pages_and_statistics_are_fresh(app, visitor)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrialGlossaryMatch)) == stored
    assert "2 trials matched" in runner.invoke(args=["trials", "match-glossary"]).output


def test_with_rq_the_command_line_import_alerts_at_once_and_a_worker_adds_the_glossary(
    app: Flask, runner: FlaskCliRunner, smtp_server: SmtpServer, workers: Workers, tmp_path: Path
) -> None:
    """Searchable and alerted when the command ends; the slowest steps (vectors, glossary words) on a worker."""
    before_the_import(app, runner, tmp_path)
    workers.env["ALERTS_RUN_SECONDS"] = "0"
    workers.start()
    assert wait_until(lambda: all("Listening on mail" in log for log in workers.logs())), workers.logs()
    app.config.update(REDIS_URL=REDIS_URL, OUTBOX_DELIVERY="rq")
    try:
        result = runner.invoke(args=["trials", "import", str(the_import(tmp_path))])
    finally:
        app.config.update(REDIS_URL=None, OUTBOX_DELIVERY="manual")
    assert result.exit_code == 0, result.output
    assert "Alerts: 1 new alerts, 1 alert emails, 0 weekly digests." in result.output
    assert "A mail worker is working out the meaning vectors and glossary words" in result.output
    assert planner_rows(app, "search_facts") == 2

    def matched() -> bool:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(TrialGlossaryMatch)) == 2

    assert wait_until(matched), workers.logs()
    assert "portal.post_import.enrich_job()" in workers.logs()[0]
