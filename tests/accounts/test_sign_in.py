"""Signing in and out: generic errors, cookie flags, sessions that really end, timeouts, lockout before hashing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update

from portal.accounts import passwords
from portal.accounts.services import authenticate
from portal.accounts.sessions import load_session_user
from portal.config import load_config
from portal.extensions import db
from portal.models import SignInFailure, UserSession
from portal.models.base import utcnow
from tests.forms import csrf_token
from tests.staff import PASSWORD, make_user, sign_in

EMAIL = "sam@site.example.org"
WRONG = "not the right password at all"


def client_from(app: Flask, ip: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


@pytest.fixture
def sam(app: Flask) -> int:
    return make_user(app, EMAIL)


def test_create_admin_makes_an_operator_who_can_sign_in(runner: FlaskCliRunner, client: FlaskClient) -> None:
    result = runner.invoke(
        args=["users", "create-admin", "Ops@Example.org", "--name", "Ops"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Admin ops@example.org created." in result.output
    response = sign_in(client, "ops@example.org")
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("password", "message"),
    [("short one", "at least 12"), ("password1234", "too common"), ("aaaaaaaaaaaaaa", "too common")],
)
def test_create_admin_refuses_weak_passwords(runner: FlaskCliRunner, password: str, message: str) -> None:
    result = runner.invoke(args=["users", "create-admin", "ops@example.org"], input=f"{password}\n{password}\n")
    assert result.exit_code != 0
    assert message in result.output


def test_wrong_password_and_unknown_account_get_the_same_message(client: FlaskClient, sam: int) -> None:
    wrong = sign_in(client, EMAIL, WRONG)
    unknown = sign_in(client, "nobody@example.org", WRONG)
    assert wrong.status_code == unknown.status_code == 401
    message = "The email address or password is not right, or the account is not active."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert f'value="{EMAIL}"' in wrong.get_data(as_text=True)  # the typed address is kept


def test_session_cookie_is_httponly_and_samesite_lax(client: FlaskClient, sam: int) -> None:
    response = sign_in(client, EMAIL)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # only in production, where the site is served over HTTPS


def test_production_cookies_are_secure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    config = load_config(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_the_session_changes_at_sign_in_and_an_earlier_cookie_grants_nothing(
    app: Flask, client: FlaskClient, sam: int
) -> None:
    client.get("/account/sign-in")
    before = client.get_cookie("session")
    assert before is not None
    sign_in(client, EMAIL)
    after = client.get_cookie("session")
    assert after is not None and after.value != before.value
    other = app.test_client()
    other.set_cookie("session", before.value)
    assert other.get("/site/").status_code == 302


def test_sign_out_ends_the_session_even_for_a_copied_cookie(app: Flask, client: FlaskClient, sam: int) -> None:
    sign_in(client, EMAIL)
    copied = client.get_cookie("session")
    assert copied is not None
    assert client.get("/site/").status_code == 200
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/site/")})
    thief = app.test_client()
    thief.set_cookie("session", copied.value)
    response = thief.get("/site/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/sign-in")
    with app.app_context():
        assert db.session.scalar(select(UserSession)) is None


def test_a_password_change_ends_every_other_session(app: Flask, client: FlaskClient, sam: int) -> None:
    laptop, phone = client, app.test_client()
    sign_in(laptop, EMAIL)
    sign_in(phone, EMAIL)
    copied = laptop.get_cookie("session")
    assert copied is not None
    new = "a different long passphrase"
    token = csrf_token(laptop, "/account/password")
    response = laptop.post(
        "/account/password", data={"current": PASSWORD, "password": new, "confirm": new, "csrf_token": token}
    )
    assert response.status_code == 302
    assert laptop.get("/site/").status_code == 200  # the browser that changed it stays signed in
    assert phone.get("/site/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/site/").status_code == 302
    assert sign_in(app.test_client(), EMAIL, PASSWORD).status_code == 401
    assert sign_in(app.test_client(), EMAIL, new).status_code == 302


def test_a_password_change_needs_the_current_password(client: FlaskClient, sam: int) -> None:
    sign_in(client, EMAIL)
    token = csrf_token(client, "/account/password")
    new = "a different long passphrase"
    response = client.post(
        "/account/password", data={"current": WRONG, "password": new, "confirm": new, "csrf_token": token}
    )
    assert response.status_code == 422
    assert "Your current password is not right." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("column", "age", "signed_in"),
    [
        ("last_seen_at", timedelta(minutes=29), True),
        ("last_seen_at", timedelta(minutes=31), False),
        ("created_at", timedelta(hours=11, minutes=50), True),
        ("created_at", timedelta(hours=12, minutes=1), False),
    ],
)
def test_idle_and_absolute_timeouts(
    app: Flask, client: FlaskClient, sam: int, column: str, age: timedelta, signed_in: bool
) -> None:
    sign_in(client, EMAIL)
    with app.app_context():
        db.session.execute(update(UserSession).values({column: utcnow() - age}))
        db.session.commit()
    assert (client.get("/site/").status_code == 200) is signed_in


def test_activity_keeps_a_session_alive_until_the_absolute_limit(app: Flask, sam: int) -> None:
    with app.app_context():
        start = utcnow()
        result = authenticate(db.session, EMAIL, PASSWORD, "10.0.0.1", now=start)
        assert result.user is not None
        token = result.user.session_token or ""
        db.session.commit()
        for minutes in range(20, 12 * 60, 20):  # a page every 20 minutes, each its own request
            assert load_session_user(db.session, str(sam), token, now=start + timedelta(minutes=minutes))
            db.session.remove()
        assert load_session_user(db.session, str(sam), token, now=start + timedelta(hours=12, minutes=10)) is None


def test_lockout_per_account_is_checked_before_any_hashing(
    app: Flask, client: FlaskClient, sam: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(app, "kim@site.example.org")
    for _ in range(5):
        assert sign_in(client, EMAIL, WRONG).status_code == 401
    hashes: list[int] = []
    real = passwords._hasher

    class CountingHasher:
        """The real argon2 hasher, counting how often a password is checked."""

        def verify(self, *args: str) -> bool:
            hashes.append(1)
            return real.verify(*args)

    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    response = sign_in(client, EMAIL, PASSWORD)  # even the right password
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.get_data(as_text=True)
    assert hashes == []
    assert sign_in(client, "kim@site.example.org", WRONG).status_code == 401
    assert hashes == [1]  # the counter does count when a password is checked
    # Another person from the same office (same IP) is not locked out by it.
    assert sign_in(client, "kim@site.example.org").status_code == 302


def test_lockout_per_ip_across_many_accounts(app: Flask, sam: int) -> None:
    attacker = client_from(app, "203.0.113.9")
    for n in range(20):
        assert sign_in(attacker, f"guess{n}@example.org", WRONG).status_code == 401
    assert sign_in(attacker, EMAIL).status_code == 429
    elsewhere = client_from(app, "198.51.100.7")
    assert sign_in(elsewhere, EMAIL).status_code == 302


def test_lockout_ends_after_the_window(app: Flask, sam: int) -> None:
    with app.app_context():
        start = utcnow()
        for _ in range(5):
            assert not authenticate(db.session, EMAIL, WRONG, "10.0.0.1", now=start).ok
        assert authenticate(db.session, EMAIL, PASSWORD, "10.0.0.1", now=start + timedelta(minutes=14)).locked
        assert authenticate(db.session, EMAIL, PASSWORD, "10.0.0.1", now=start + timedelta(minutes=16)).ok
        db.session.rollback()


def test_a_disabled_account_cannot_sign_in(app: Flask, client: FlaskClient) -> None:
    make_user(app, EMAIL)
    with app.app_context():
        from portal.models import User

        db.session.execute(update(User).values(active=False))
        db.session.commit()
    assert sign_in(client, EMAIL).status_code == 401


def test_a_session_used_from_another_browser_is_dropped(app: Flask, client: FlaskClient, sam: int) -> None:
    sign_in(client, EMAIL)
    copied = client.get_cookie("session")
    assert copied is not None
    other = app.test_client()
    other.set_cookie("session", copied.value)
    response = other.get("/site/", headers={"User-Agent": "Something/else"})
    assert response.status_code == 302  # session protection "strong": another fingerprint starts over


def test_sign_in_posts_are_rate_limited_per_ip(
    app: Flask, client: FlaskClient, sam: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SIGN_IN_RATE_LIMIT", "3 per minute")
    token = csrf_token(client, "/account/sign-in")
    statuses = [
        client.post(
            "/account/sign-in", data={"email": f"x{n}@example.org", "password": WRONG, "csrf_token": token}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_purge_also_clears_expired_sessions_and_old_failures(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, sam: int
) -> None:
    sign_in(client, "someone.else@example.org", WRONG)
    sign_in(client, EMAIL)
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
        db.session.execute(update(SignInFailure).values(created_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    result = runner.invoke(args=["privacy", "purge"])
    assert "expired sign-in sessions: 1" in result.output and "old sign-in failures: 1" in result.output
