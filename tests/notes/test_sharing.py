"""Sharing notes: the link and passcode, what a recipient sees, limits, escaping, headers, revoking."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from portal.extensions import db
from portal.models import NoteShare, Trial
from tests.notes.helpers import NOTE, TRIAL, api_post, link_path, share, try_passcode

pytestmark = pytest.mark.usefixtures("trial")


@pytest.fixture
def trial(import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)


def test_a_shared_link_opens_with_the_passcode_and_shows_the_notes(app: Flask, client: FlaskClient) -> None:
    response = share(client)
    assert response.status_code == 201
    body = response.get_json()
    assert re.fullmatch(r"https://trials\.example\.org/notes/s/[A-Za-z0-9_-]{22,}", body["url"])
    assert re.fullmatch(r"[a-z]+-[a-z]+-[a-z]+-[a-z]+", body["passcode"])

    recipient = app.test_client()  # someone else, with no cookies from the author
    page = recipient.get(link_path(body["url"]))
    assert page.status_code == 200 and "Enter the passcode" in page.get_data(as_text=True)
    assert NOTE["note"] not in page.get_data(as_text=True)

    opened = try_passcode(recipient, link_path(body["url"]), body["passcode"].upper().replace("-", " "))
    html = opened.get_data(as_text=True)
    assert opened.status_code == 200
    with app.app_context():
        title = db.session.scalars(select(Trial.brief_title).where(Trial.nct_id == TRIAL)).one()
    assert f'<h1 id="shared-title">{escape(title)}</h1>' in html
    assert f'href="/trials/{TRIAL}"' in html
    assert "18 years of age or older" in html
    assert "Ask Dr. Rivera: does my age count?\nAlso: travel costs?" in html
    assert "Who can take part" in html


def test_the_share_keeps_only_hashes_and_a_snapshot_of_the_trial(app: Flask, client: FlaskClient) -> None:
    body = share(client, days=30).get_json()
    with app.app_context():
        stored = db.session.scalars(select(NoteShare)).one()
        token = link_path(body["url"]).rsplit("/", 1)[1]
        assert token not in stored.token_hash and body["owner_token"] not in stored.owner_token_hash
        assert stored.passcode_hash.startswith("$argon2id$")
        assert body["passcode"] not in stored.passcode_hash
        assert stored.nct_id == TRIAL and stored.trial_title and stored.trial_last_update is not None
        assert stored.notes == [NOTE]
        assert (stored.expires_at - stored.created_at).days == 30


def test_an_author_can_choose_a_passcode_of_eight_characters_or_more(app: Flask, client: FlaskClient) -> None:
    short = share(client, passcode="abc 123")
    assert short.status_code == 422
    assert short.get_json()["errors"]["passcode"] == "Please choose a passcode of at least 8 characters."
    chosen = share(client, passcode="Blue Heron 42")
    assert chosen.status_code == 201 and chosen.get_json()["passcode"] == "Blue Heron 42"
    path = link_path(chosen.get_json()["url"])
    assert try_passcode(app.test_client(), path, "blue-heron-42").status_code == 200


@pytest.mark.parametrize(
    ("notes", "fields", "field", "message"),
    [
        ([], {}, "notes", "Please choose at least one note to share."),
        ([NOTE] * 51, {}, "notes", "You can share at most 50 notes at a time."),
        ([{**NOTE, "note": "x" * 2001}], {}, "notes", "Each note must have text, at most 2000 characters."),
        ([{**NOTE, "note": "   "}], {}, "notes", "Each note must have text, at most 2000 characters."),
        ([{**NOTE, "quote": "q" * 2001}], {}, "notes", "Each quote must be at most 2000 characters."),
        ([{**NOTE, "section": "<script>"}], {}, "notes", "A note is not on a part of the trial page we know."),
        ([NOTE], {"days": 365}, "days", "Please choose 1, 7 or 30 days."),
        ([NOTE], {"days": "7"}, "days", "Please choose 1, 7 or 30 days."),
    ],
)
def test_limits_are_refused_with_a_message(
    app: Flask, client: FlaskClient, notes: list[dict[str, str]], fields: dict[str, int], field: str, message: str
) -> None:
    response = share(client, notes, **fields)
    assert response.status_code == 422
    assert response.get_json()["errors"][field] == message
    with app.app_context():
        assert db.session.scalars(select(NoteShare)).all() == []


def test_fifty_notes_of_two_thousand_characters_can_be_shared(client: FlaskClient) -> None:
    notes = [{**NOTE, "note": "n" * 2000, "quote": "q" * 2000}] * 50
    assert share(client, notes).status_code == 201


def test_a_share_needs_a_form_token_and_a_known_trial(client: FlaskClient) -> None:
    assert client.post("/notes/shares", json={"nct_id": TRIAL, "notes": [NOTE]}).status_code == 400
    assert api_post(client, "/notes/shares", {"nct_id": "NCT99999999", "notes": [NOTE]}).status_code == 404
    assert api_post(client, "/notes/shares", ["not", "an", "object"]).status_code == 400


def test_html_and_script_in_notes_and_quotes_stay_inert(app: Flask, client: FlaskClient) -> None:
    evil = {
        "quote": '<img src=x onerror="alert(1)"> and <script>alert("q")</script>',
        "note": '<script>alert("n")</script> <a href="javascript:alert(2)">click</a>\x00\x07',
        "section": "overview",
        "section_title": "<b>Overview</b>",
    }
    body = share(client, [evil]).get_json()
    html = try_passcode(app.test_client(), link_path(body["url"]), body["passcode"]).get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and '<a href="javascript:' not in html
    assert "&lt;script&gt;alert(&#34;n&#34;)&lt;/script&gt;" in html
    assert "&lt;a href=&#34;javascript:alert(2)&#34;&gt;click&lt;/a&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "&lt;b&gt;Overview&lt;/b&gt;" in html
    assert "\x00" not in html and "\x07" not in html  # control characters are dropped on the way in


def test_share_pages_are_private_to_proxies_search_engines_and_other_sites(app: Flask, client: FlaskClient) -> None:
    body = share(client).get_json()
    path = link_path(body["url"])
    for response in (client.get(path), try_passcode(app.test_client(), path, body["passcode"])):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "noindex" in response.headers["X-Robots-Tag"]
        assert '<meta name="robots" content="noindex, nofollow">' in response.get_data(as_text=True)


def test_a_revoked_link_no_longer_opens(app: Flask, client: FlaskClient) -> None:
    body = share(client).get_json()
    path = link_path(body["url"])
    assert api_post(client, "/notes/shares/revoke", {"owner_token": "not-the-owner"}).status_code == 404
    assert try_passcode(app.test_client(), path, body["passcode"]).status_code == 200
    assert api_post(client, "/notes/shares/revoke", {"owner_token": body["owner_token"]}).status_code == 200
    dead = try_passcode(app.test_client(), path, body["passcode"])
    assert dead.status_code == 403
    assert "This passcode does not open this link." in dead.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(NoteShare)).all() == []


def test_notes_and_passcodes_are_not_logged(app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    body = share(client).get_json()
    try_passcode(app.test_client(), link_path(body["url"]), body["passcode"])
    try_passcode(app.test_client(), link_path(body["url"]), "wrong-words-here-now")
    logged = caplog.text
    assert NOTE["note"] not in logged and NOTE["quote"] not in logged
    assert body["passcode"] not in logged and "wrong-words-here-now" not in logged


def test_the_recipient_is_told_when_the_trial_changed_after_the_notes(app: Flask, client: FlaskClient) -> None:
    body = share(client).get_json()
    path = link_path(body["url"])
    before = try_passcode(app.test_client(), path, body["passcode"]).get_data(as_text=True)
    assert "The notes were written on the trial page as last updated on" in before
    assert "The trial page has changed since then." not in before
    with app.app_context():
        trial = db.session.scalars(select(Trial).where(Trial.nct_id == TRIAL)).one()
        trial.last_update_posted_on = date(2030, 1, 1)
        db.session.commit()
    after = try_passcode(app.test_client(), path, body["passcode"]).get_data(as_text=True)
    assert "The trial page has changed since then." in after
