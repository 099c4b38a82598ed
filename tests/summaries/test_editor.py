"""Who may write a trial's "In plain words" summary, the preview with its reading grade, and what a save leaves."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, PlainSummary
from tests.forms import csrf_token
from tests.staff import TRIAL, sign_in
from tests.summaries.helpers import ALICE, CAROL, EDITOR, OPS, OTHER_TRIAL, PLAIN, People, people, post_summary


@pytest.fixture
def staff(app: Flask, import_demo) -> People:  # type: ignore[no-untyped-def]
    return people(app, import_demo)


def _stored(app: Flask) -> list[PlainSummary]:
    with app.app_context():
        return list(db.session.scalars(select(PlainSummary)))


def _audit(app: Flask) -> list[tuple[str, str | None, str]]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        return [(e.action, e.user_email, e.detail or "") for e in rows]


def test_an_operator_writes_a_summary_and_the_audit_log_records_it(
    client: FlaskClient, app: Flask, staff: People
) -> None:
    sign_in(client, OPS)
    response = post_summary(client, PLAIN)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved. The summary is on the trial" in page
    assert "about grade" in page  # the saved text's reading grade
    [summary] = _stored(app)
    assert summary.markdown == PLAIN.strip() and summary.written_by == "portal" and summary.site_id is None
    [(action, who, detail)] = _audit(app)
    assert (action, who) == ("plain summary written", OPS)
    assert detail.startswith(f"{TRIAL}: ") and "neck" not in detail  # names the trial, does not copy the text


def test_a_member_of_the_trials_site_writes_and_changes_it_and_each_change_is_audited(
    client: FlaskClient, app: Flask, staff: People
) -> None:
    sign_in(client, ALICE)
    assert client.get("/site/").get_data(as_text=True).count(EDITOR) == 1  # the site area links to the editor
    assert post_summary(client, PLAIN).status_code == 302
    assert post_summary(client, PLAIN + "\nIt is free to take part.").status_code == 302
    assert post_summary(client, PLAIN + "\nIt is free to take part.").status_code == 302  # nothing changed
    [summary] = _stored(app)
    assert summary.site_id == staff.site_a and summary.written_by == "site"
    assert summary.markdown.endswith("It is free to take part.")
    assert [(a, w) for a, w, _ in _audit(app)] == [("plain summary written", ALICE), ("plain summary changed", ALICE)]


def test_a_member_of_another_trials_site_cannot_open_or_save_it(client: FlaskClient, app: Flask, staff: People) -> None:
    sign_in(client, CAROL)
    assert client.get(f"/site/trials/{OTHER_TRIAL}/plain-summary").status_code == 200  # her own trial
    assert client.get(EDITOR).status_code == 404
    csrf = csrf_token(client, f"/site/trials/{OTHER_TRIAL}/plain-summary")
    response = client.post(EDITOR, data={"markdown": PLAIN, "action": "save", "csrf_token": csrf})
    assert response.status_code == 404
    assert _stored(app) == [] and _audit(app) == []


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, staff: People) -> None:
    response = client.get(EDITOR)
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]
    response = client.post(EDITOR, data={"markdown": PLAIN, "action": "save"})
    assert response.status_code in (302, 400)
    assert client.get("/admin/plain-summaries").status_code == 302


def test_a_save_without_the_form_token_is_refused_and_stores_nothing(
    client: FlaskClient, app: Flask, staff: People
) -> None:
    sign_in(client, ALICE)
    response = client.post(EDITOR, data={"markdown": PLAIN, "action": "save"})
    assert response.status_code == 400
    assert _stored(app) == [] and _audit(app) == []


def test_the_preview_shows_the_text_and_its_reading_grade_and_stores_nothing(
    client: FlaskClient, app: Flask, staff: People
) -> None:
    sign_in(client, ALICE)
    html = post_summary(client, PLAIN, action="preview").get_data(as_text=True)
    assert "<li>You have surgery to put in two new discs.</li>" in html
    assert "Reading grade: about grade" in html and "Flesch-Kincaid" in html
    assert _stored(app) == [] and _audit(app) == []
    hard = (
        "This prospective, multicenter, randomized, controlled investigation evaluates the comparative "
        "effectiveness and safety of cervical total disc replacement devices in subjects with symptomatic "
        "multilevel degenerative cervical disc disease refractory to conservative management."
    )
    html = post_summary(client, hard, action="preview").get_data(as_text=True)
    assert "harder than grade 12 (college level)" in html
    assert "Shorter sentences and everyday words" in html
    html = post_summary(client, "Short.", action="preview").get_data(as_text=True)
    assert "Write a few sentences to see the reading grade." in html


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("word " * 5000, 422),  # past the summary's length limit
        ("Before\x00after, a NUL.", 422),
        ("A right-to-left\u202e override.", 422),
        ("   ", 422),
        ("x" * 2_000_000, 413),  # past the body limit
    ],
)
def test_hostile_input_is_refused_and_stores_nothing(
    client: FlaskClient, app: Flask, staff: People, text: str, status: int
) -> None:
    sign_in(client, OPS)
    response = post_summary(client, text)
    assert response.status_code == status
    assert _stored(app) == [] and _audit(app) == []


def test_a_malformed_trial_number_is_not_found(client: FlaskClient, staff: People) -> None:
    sign_in(client, OPS)
    assert client.get("/site/trials/NCT0401299%00/plain-summary").status_code == 404
    assert client.get("/site/trials/nct04012996/plain-summary").status_code == 404
    assert client.get("/site/trials/plain-summary?nct_id=NCT99999999").status_code == 404
    response = client.get(f"/site/trials/plain-summary?nct_id={TRIAL.lower()}")
    assert response.status_code == 302 and response.headers["Location"].endswith(EDITOR)


def _grade(client: FlaskClient, text: str, token: str | None) -> tuple[int, dict[str, str]]:
    data = {"markdown": text} | ({"csrf_token": token} if token else {})
    response = client.post(f"{EDITOR}/grade", data=data, headers={"Accept": "application/json"})
    return response.status_code, response.get_json(silent=True) or {}


def test_the_live_grade_needs_the_form_token_and_the_right_trial_and_stores_nothing(
    client: FlaskClient, app: Flask, staff: People
) -> None:
    sign_in(client, ALICE)
    token = csrf_token(client, EDITOR)
    status, body = _grade(client, PLAIN, token)
    assert status == 200 and "Reading grade: about grade" in body["html"]
    status, body = _grade(client, "Too short.", token)
    assert status == 200 and "Write a few sentences" in body["html"]
    assert _grade(client, PLAIN, None)[0] == 400
    assert _grade(client, "A NUL\x00 here.", token)[0] == 422
    client.post("/account/sign-out", data={"csrf_token": token})
    sign_in(client, CAROL)
    token = csrf_token(client, f"/site/trials/{OTHER_TRIAL}/plain-summary")
    assert _grade(client, PLAIN, token)[0] == 404  # not her trial
    assert _stored(app) == [] and _audit(app) == []


def test_the_live_grade_is_rate_limited_per_user(
    client: FlaskClient, app: Flask, staff: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SUMMARY_GRADE_RATE_LIMIT", "3 per minute")
    sign_in(client, OPS)
    token = csrf_token(client, EDITOR)
    assert [_grade(client, PLAIN, token)[0] for _ in range(4)] == [200, 200, 200, 429]
