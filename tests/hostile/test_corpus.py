"""The hostile-input corpus against every public form, query parameter, path part and JSON endpoint.

Each value is sent in one field at a time, with every other field valid. No answer is a 5xx, and a refusal
(any 4xx) leaves every table a patient's data lives in as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.test import TestResponse

from portal.extensions import db
from tests.forms import csrf_token, find_csrf_token
from tests.hostile.corpus import JSON_BODIES, VALUES, encode, form_body, json_body, query
from tests.notes.helpers import NOTE
from tests.staff import PASSWORD, make_user

TRIAL = "NCT04012996"
STORED = ("contact_requests", "outbox_emails", "subscribers", "note_shares", "users", "user_sessions")
FORM = "application/x-www-form-urlencoded"
SEARCH_PARAMETERS = [
    "q",
    "status",
    "phase",
    "age",
    "sex",
    "healthy",
    "type",
    "country",
    "near",
    "within",
    "unit",
    "page",
]
PATHS = [
    "/trials/{}",
    "/api/v1/trials/{}",
    "/trials/{}/contact/sent",
    "/trials/{}/contact?site=1",
    "/trials/{}/locations",
    "/notes/s/{}",
    "/alerts/confirm/{}",
    "/alerts/manage/{}",
    "/alerts/unsubscribe/{}",
    "/account/invitation/{}",
    "/account/reset/{}",
]


def stored(app: Flask) -> tuple[int, ...]:
    with app.app_context():
        counts = " , ".join(f"(SELECT count(*) FROM {table})" for table in STORED)
        row = db.session.execute(text(f"SELECT {counts}")).one()  # noqa: S608  (table names are ours)
        db.session.remove()
        return tuple(row)


class Probe:
    """Sends requests and remembers every one that answered 5xx or stored something while refusing."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.problems: list[str] = []
        self.by_class: dict[str, int] = {}

    def check(self, label: str, send: Callable[..., TestResponse], *args: Any, **kwargs: Any) -> TestResponse:
        before = stored(self.app)
        response = send(*args, **kwargs)
        after = stored(self.app)
        status = response.status_code
        self.by_class[f"{status // 100}xx"] = self.by_class.get(f"{status // 100}xx", 0) + 1
        if status >= 500:
            self.problems.append(f"{label}: {status}")
        elif status >= 400 and after != before:
            self.problems.append(f"{label}: {status} but stored {dict(zip(STORED, after, strict=True))}")
        return response

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems[:40])


def short(value: str) -> str:
    return repr(value if len(value) < 30 else value[:27] + "…")


@pytest.fixture
def probe(app: Flask, import_demo) -> Probe:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    return Probe(app)


@pytest.mark.parametrize("parameter", [*SEARCH_PARAMETERS, "per_page"])
def test_search_parameters(client: FlaskClient, probe: Probe, parameter: str) -> None:
    for value in VALUES:
        fields = {"q": "knee", "near": "Chicago", parameter: value}
        if parameter != "per_page":
            probe.check(f"/trials {parameter}={short(value)}", client.get, f"/trials?{query(fields)}")
        response = probe.check(
            f"/api/v1/trials {parameter}={short(value)}", client.get, f"/api/v1/trials?{query(fields)}"
        )
        assert response.is_json, f"the API answered {parameter}={short(value)} with HTML"
    probe.assert_clean()


@pytest.mark.parametrize("template", PATHS)
def test_path_parts(client: FlaskClient, probe: Probe, template: str) -> None:
    for value in VALUES:
        path = template.format(encode(value) or "%20")
        response = probe.check(f"GET {path[:60]}", client.get, path)
        if path.startswith("/api/"):
            assert response.is_json, path[:60]
    probe.assert_clean()


@pytest.mark.parametrize("parameter", ["country", "region", "site"])
def test_place_pages_and_a_site_chosen_from_them(client: FlaskClient, probe: Probe, parameter: str) -> None:
    for value in VALUES:
        fields = {"country": "United States", "region": "Illinois", parameter: value}
        if parameter != "site":
            probe.check(
                f"locations {parameter}={short(value)}", client.get, f"/trials/{TRIAL}/locations?{query(fields)}"
            )
        else:
            probe.check(f"contact site={short(value)}", client.get, f"/trials/{TRIAL}/contact?{query({'site': value})}")
    probe.assert_clean()


def test_condition_suggestions(client: FlaskClient, probe: Probe) -> None:
    for value in VALUES:
        probe.check(f"/alerts/conditions q={short(value)}", client.get, f"/alerts/conditions?q={encode(value)}")
    probe.assert_clean()


def contact_fields(client: FlaskClient) -> dict[str, str]:
    html = client.get(f"/trials/{TRIAL}").get_data(as_text=True)
    token = find_csrf_token(html)
    site = re.search(r'<option value="(\d+)"', html)  # the first recruiting site
    assert token and site
    return {
        "action": "send",
        "csrf_token": token,
        "site": site.group(1),
        "first_name": "Ana",
        "last_name": "Lima",
        "email": "ana@example.org",
        "phone": "(312) 555-0142",
        "language": "es",
        "message": "Evenings are best.",
        "consent": "y",
        "place": "",
        "latitude": "",
        "longitude": "",
        "website": "",
    }


CONTACT_FIELDS = [
    "action", "site", "first_name", "last_name", "email", "phone", "language", "message", "consent", "place",
    "latitude", "longitude", "website",
]  # fmt: skip


@pytest.mark.parametrize("field", CONTACT_FIELDS)
def test_contact_form(client: FlaskClient, probe: Probe, field: str) -> None:
    valid = contact_fields(client)
    for value in VALUES:
        body = form_body({**valid, field: value})
        probe.check(
            f"contact {field}={short(value)}",
            client.post,
            f"/trials/{TRIAL}/contact",
            data=body,
            content_type=FORM,
        )
    probe.assert_clean()


ALERT_FIELDS = ["email", "conditions", "place", "radius", "unit", "language", "frequency", "website"]


@pytest.mark.parametrize("field", ALERT_FIELDS)
def test_alerts_sign_up(client: FlaskClient, probe: Probe, field: str) -> None:
    valid = {
        "csrf_token": csrf_token(client, "/alerts/"),
        "email": "pat@example.org",
        "conditions": "knee osteoarthritis",
        "place": "Chicago",
        "radius": "50",
        "unit": "mi",
        "language": "en",
        "frequency": "immediate",
        "website": "",
    }
    for value in VALUES:
        body = form_body({**valid, field: value})
        probe.check(f"alerts {field}={short(value)}", client.post, "/alerts/", data=body, content_type=FORM)
    probe.assert_clean()


@pytest.mark.parametrize(
    ("path", "fields"), [("/account/sign-in", ["email", "password"]), ("/account/reset", ["email"])]
)
def test_sign_in_and_reset(app: Flask, client: FlaskClient, probe: Probe, path: str, fields: list[str]) -> None:
    make_user(app, "sam@site.example.org")
    valid = {"csrf_token": csrf_token(client, path), "email": "sam@site.example.org", "password": PASSWORD + "x"}
    for field in fields:
        for value in VALUES:
            body = form_body({**valid, field: value})
            probe.check(f"{path} {field}={short(value)}", client.post, path, data=body, content_type=FORM)
    probe.assert_clean()


def test_shared_notes_passcode_and_unsubscribe_forms(client: FlaskClient, probe: Probe) -> None:
    for value in VALUES:
        token = csrf_token(client, "/notes/s/abcdefabcdef")
        body = form_body({"csrf_token": token, "passcode": value})
        probe.check(f"passcode={short(value)}", client.post, "/notes/s/abcdefabcdef", data=body, content_type=FORM)
        probe.check(
            f"unsubscribe {short(value)}",
            client.post,
            f"/alerts/unsubscribe/{encode(value) or 'x'}",
            data=form_body({"List-Unsubscribe": value}),
            content_type=FORM,
        )
    probe.assert_clean()


@pytest.mark.parametrize("parameter", ["status", "trial", "site", "date_from", "date_to"])
def test_site_area_filters(app: Flask, client: FlaskClient, probe: Probe, parameter: str) -> None:
    make_user(app, "sam@site.example.org")
    token = csrf_token(client, "/account/sign-in")
    signed_in = client.post(
        "/account/sign-in", data={"csrf_token": token, "email": "sam@site.example.org", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    for value in VALUES:
        for path in ("/site/", "/site/export.csv"):
            probe.check(f"{path} {parameter}={short(value)}", client.get, f"{path}?{parameter}={encode(value)}")
    probe.assert_clean()


def json_post(client: FlaskClient, url: str, body: bytes) -> TestResponse:
    token = client.get("/notes/csrf-token").get_json()["csrf_token"]
    return client.post(url, data=body, content_type="application/json", headers={"X-CSRFToken": token})


def _share_body(field: str, value: Any) -> dict[str, Any]:
    note = dict(NOTE)
    body: dict[str, Any] = {"nct_id": TRIAL, "notes": [note], "days": 7}
    if field.startswith("note."):
        note[field.removeprefix("note.")] = value
    else:
        body[field] = value
    return body


SHARE_FIELDS = ["nct_id", "notes", "days", "passcode", "note.quote", "note.note", "note.section", "note.section_title"]


@pytest.mark.parametrize("field", SHARE_FIELDS)
def test_notes_share_json(client: FlaskClient, probe: Probe, field: str) -> None:
    for value in [*VALUES, 10**30, -1, 1.5, None, True, [], {}, ["a"] * 100]:
        body = json_body(_share_body(field, value))
        response = probe.check(f"/notes/shares {field}={short(str(value))}", json_post, client, "/notes/shares", body)
        assert response.is_json, f"/notes/shares {field}={short(str(value))} answered with HTML"
    probe.assert_clean()


@pytest.mark.parametrize(
    ("url", "fields"),
    [("/notes/shares/revoke", ["owner_token"]), ("/notes/shares/email", ["owner_token", "url", "email"])],
)
def test_notes_owner_json(client: FlaskClient, probe: Probe, url: str, fields: list[str]) -> None:
    valid = {"owner_token": "x" * 43, "url": "https://trials.example.org/notes/s/abc", "email": "kim@example.org"}
    for field in fields:
        for value in [*VALUES, 10**30, None, [], {}]:
            body = json_body({**valid, field: value})
            response = probe.check(f"{url} {field}={short(str(value))}", json_post, client, url, body)
            assert response.is_json
    probe.assert_clean()


@pytest.mark.parametrize("url", ["/notes/shares", "/notes/shares/revoke", "/notes/shares/email"])
def test_json_bodies(client: FlaskClient, probe: Probe, url: str) -> None:
    for name, body in JSON_BODIES:
        response = probe.check(f"{url} {name}", json_post, client, url, body)
        assert 400 <= response.status_code < 500, f"{url} {name}: {response.status_code}"
        assert response.is_json, f"{url} {name} answered with HTML"
    probe.assert_clean()


def test_oversized_bodies_get_a_friendly_413_and_store_nothing(client: FlaskClient, probe: Probe) -> None:
    token = csrf_token(client, "/alerts/")
    huge = {"csrf_token": token, "email": "pat@example.org", "conditions": "asthma\n" * 300_000, "place": "Chicago"}
    response = probe.check("100 MB form", client.post, "/alerts/", data=form_body(huge), content_type=FORM)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    note = {**NOTE, "note": "n" * 2_000_000}
    big = probe.check("2 MB JSON", json_post, client, "/notes/shares", json_body({"nct_id": TRIAL, "notes": [note]}))
    assert big.status_code == 413 and big.is_json and "too large" in big.get_json()["error"]
    probe.assert_clean()


def test_a_nul_byte_gets_a_message_beside_the_field_or_a_plain_404(client: FlaskClient, probe: Probe) -> None:
    response = probe.check("q NUL", client.get, "/trials?q=a%00b")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please check the search" in html and "Please remove special characters." in html
    api = probe.check("API NUL", client.get, "/api/v1/trials/%00")
    assert api.status_code == 404 and api.is_json
    probe.assert_clean()
