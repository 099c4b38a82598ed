"""Invitations and password resets: signed links sent through the outbox to a real SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.tokens import INVITATION, RESET, make_token, user_for_token
from portal.extensions import db
from portal.mail.outbox import deliver_due
from portal.models import User
from portal.models.base import utcnow
from tests.conftest import SmtpServer
from tests.forms import csrf_token
from tests.staff import PASSWORD, make_user, sign_in

ADMIN = "ops@example.org"
NEW = "new.member@site.example.org"
NEW_PASSWORD = "blue kettle under the stairs"


def deliver(app: Flask) -> None:
    with app.app_context():
        deliver_due(db.session)


def link_in(message, prefix: str) -> str:  # type: ignore[no-untyped-def]
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https://trials\.example\.org(" + prefix + r"\S+)", text)
    assert match, text
    return match.group(1)


def set_password(client: FlaskClient, path: str, password: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf_token(client, path)
    return client.post(path, data={"password": password, "confirm": confirm or password, "csrf_token": token})


def test_an_invited_person_sets_a_password_and_is_signed_in(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    make_user(app, ADMIN, role="admin")
    sign_in(client, ADMIN)
    token = csrf_token(client, "/admin/users")
    response = client.post(
        "/admin/users", data={"email": NEW, "display_name": "Nia", "role": "site", "csrf_token": token}
    )
    assert response.status_code == 302
    deliver(app)
    [message] = smtp_server.messages
    assert message["To"] == NEW
    assert "invited" in message["Subject"]
    path = link_in(message, "/account/invitation/")

    invitee = app.test_client()
    page = invitee.get(path).get_data(as_text=True)
    assert "Welcome, Nia" in page
    weak = set_password(invitee, path, "password1234")
    assert weak.status_code == 422 and "too common" in weak.get_data(as_text=True)
    short = set_password(invitee, path, "short")
    assert "at least 12 characters" in short.get_data(as_text=True)
    differ = set_password(invitee, path, NEW_PASSWORD, "something else entirely")
    assert "The two passwords differ." in differ.get_data(as_text=True)
    done = set_password(invitee, path, NEW_PASSWORD)
    assert done.status_code == 302 and done.headers["Location"] == "/site/"
    assert invitee.get("/site/").status_code == 200

    # The link worked once.
    again = app.test_client().get(path)
    assert again.status_code == 410 and "no longer works" in again.get_data(as_text=True)
    assert sign_in(app.test_client(), NEW, NEW_PASSWORD).status_code == 302


def test_an_invitation_expires_after_72_hours(app: Flask) -> None:
    user_id = make_user(app, NEW, password=None)
    with app.test_request_context():
        user = db.session.get(User, user_id)
        assert user is not None
        token = make_token(user, INVITATION)
        now = utcnow()
        assert user_for_token(db.session, token, INVITATION, now=now + timedelta(hours=71)) is not None
        assert user_for_token(db.session, token, INVITATION, now=now + timedelta(hours=73)) is None
        assert user_for_token(db.session, token, RESET, now=now) is None  # a link is for one purpose only
        assert user_for_token(db.session, token[:-2] + "xx", INVITATION, now=now) is None


def test_inviting_an_existing_address_says_so(app: Flask, client: FlaskClient) -> None:
    make_user(app, ADMIN, role="admin")
    make_user(app, NEW)
    sign_in(client, ADMIN)
    token = csrf_token(client, "/admin/users")
    response = client.post(
        "/admin/users", data={"email": NEW.upper(), "display_name": "Nia", "role": "site", "csrf_token": token}
    )
    assert response.status_code == 422
    assert "already has an account" in response.get_data(as_text=True)


def test_password_reset_by_email_ends_old_sessions(app: Flask, client: FlaskClient, smtp_server: SmtpServer) -> None:
    make_user(app, NEW)
    old_browser = app.test_client()
    sign_in(old_browser, NEW)
    token = csrf_token(client, "/account/reset")
    response = client.post("/account/reset", data={"email": NEW, "csrf_token": token})
    assert "Check your email" in response.get_data(as_text=True)
    deliver(app)
    [message] = smtp_server.messages
    assert message["To"] == NEW
    path = link_in(message, "/account/reset/")
    assert set_password(client, path, NEW_PASSWORD).status_code == 302
    assert client.get("/site/").status_code == 200
    assert old_browser.get("/site/").status_code == 302
    assert sign_in(app.test_client(), NEW, PASSWORD).status_code == 401
    assert sign_in(app.test_client(), NEW, NEW_PASSWORD).status_code == 302
    assert app.test_client().get(path).status_code == 410


def test_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    token = csrf_token(client, "/account/reset")
    response = client.post("/account/reset", data={"email": "stranger@example.org", "csrf_token": token})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    deliver(app)
    assert smtp_server.messages == []


def test_an_expired_invitation_can_be_sent_again(app: Flask, client: FlaskClient, smtp_server: SmtpServer) -> None:
    make_user(app, ADMIN, role="admin")
    invited = make_user(app, NEW, password=None)
    member = make_user(app, "member@example.org")
    sign_in(client, ADMIN)
    token = csrf_token(client, "/admin/users")
    assert client.post(f"/admin/users/{invited}/invitation", data={"csrf_token": token}).status_code == 302
    assert client.post(f"/admin/users/{member}/invitation", data={"csrf_token": token}).status_code == 404
    deliver(app)
    [message] = smtp_server.messages
    assert message["To"] == NEW
    assert set_password(app.test_client(), link_in(message, "/account/invitation/"), NEW_PASSWORD).status_code == 302
