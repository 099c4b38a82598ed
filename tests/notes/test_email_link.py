"""Emailing a shared link: the link goes through the outbox, the passcode never does."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.mail.outbox import deliver_due
from portal.models import OutboxEmail
from tests.conftest import SmtpServer
from tests.notes.helpers import TRIAL, api_post, share

pytestmark = pytest.mark.usefixtures("trial")


@pytest.fixture
def trial(import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)


def test_the_link_is_emailed_without_the_passcode(app: Flask, client: FlaskClient, smtp_server: SmtpServer) -> None:
    body = share(client).get_json()
    request = {"owner_token": body["owner_token"], "url": body["url"], "email": "Sam@Example.org"}
    response = api_post(client, "/notes/shares/email", request)
    assert response.status_code == 200
    with app.app_context():
        deliver_due(db.session)
    [message] = smtp_server.messages
    assert message["To"] == "Sam@example.org"
    assert message["Subject"] == "Notes about the trial NCT04012996 were shared with you on Trial Finder"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert body["url"] in text and f'href="{body["url"]}"' in html
    assert "the person who shared the notes gives it to you themselves, separately" in text
    for part in (text, html):
        assert body["passcode"] not in part and body["passcode"].replace("-", " ") not in part


def test_only_the_browser_that_made_the_share_can_email_it(app: Flask, client: FlaskClient) -> None:
    body = share(client).get_json()
    other = share(client).get_json()
    wrong_owner = {"owner_token": other["owner_token"], "url": body["url"], "email": "sam@example.org"}
    assert api_post(client, "/notes/shares/email", wrong_owner).status_code == 404
    bad_address = {"owner_token": body["owner_token"], "url": body["url"], "email": "sam@"}
    response = api_post(client, "/notes/shares/email", bad_address)
    assert response.status_code == 422
    assert response.get_json()["errors"]["email"] == "Please enter a valid email address, like name@example.com."
    with app.app_context():
        assert db.session.scalars(select(OutboxEmail)).all() == []
