"""Headers every response carries, and production cookies a browser keeps only over HTTPS for this host."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.extensions import db
from tests.forms import csrf_token
from tests.staff import make_user, sign_in

EMAIL = "sam@site.example.org"


def test_pages_switch_off_browser_features_they_do_not_use(client: FlaskClient) -> None:
    response = client.get("/")
    policy = {
        part.split("=")[0].strip(): part.split("=")[1].strip()
        for part in response.headers["Permissions-Policy"].split(",")
    }
    assert policy == {"camera": "()", "microphone": "()", "payment": "()", "geolocation": "(self)"}
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_error_pages_carry_the_headers_too(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def production_client(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[FlaskClient]:
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    monkeypatch.setenv("PORTAL_TEAM_EMAIL", "team@trials.example.org")
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "no-reply@trials.example.org")
    monkeypatch.setenv("PROXY_FIX_HOPS", "0")
    production = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PORTAL_BASE_URL": "https://trials.example.org",
            "OUTBOX_DELIVERY": "manual",
        }
    )
    client = production.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # as the proxy in front would say
    client.environ_base["HTTP_REFERER"] = "https://localhost/"  # Flask-WTF checks it on HTTPS
    yield client
    with production.app_context():
        db.session.remove()
        db.engine.dispose()


def _set_cookies(response) -> list[str]:  # type: ignore[no-untyped-def]
    return response.headers.getlist("Set-Cookie")


def _attributes(cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}


def test_production_cookies_are_host_prefixed_and_secure_even_when_deleted(
    app: Flask, production_client: FlaskClient
) -> None:
    make_user(app, EMAIL)
    signed_in = sign_in(production_client, EMAIL)
    assert signed_in.status_code == 302
    cookies = _set_cookies(signed_in)
    assert cookies and all(cookie.startswith("__Host-") for cookie in cookies), cookies
    for cookie in cookies:
        assert {"secure", "httponly", "path"} <= _attributes(cookie) and "domain" not in _attributes(cookie)
        assert "Path=/;" in cookie or cookie.endswith("Path=/")

    # A remember cookie left in the browser is deleted at sign-out, and that deletion must be Secure too, or a
    # browser ignores it for a __Host- name.
    production_client.set_cookie("__Host-remember_token", "left-over", secure=True)
    signed_out = production_client.post(
        "/account/sign-out", data={"csrf_token": csrf_token(production_client, "/site/")}
    )
    assert signed_out.status_code == 302
    deletions = _set_cookies(signed_out)
    assert any(cookie.startswith("__Host-remember_token=;") for cookie in deletions), deletions
    assert all("secure" in _attributes(cookie) for cookie in deletions), deletions
    assert all(cookie.startswith("__Host-") for cookie in deletions), deletions


def test_development_cookies_keep_plain_names(client: FlaskClient, app: Flask) -> None:
    make_user(app, EMAIL)
    cookies = _set_cookies(sign_in(client, EMAIL))
    assert cookies and all(cookie.startswith("session=") for cookie in cookies)
