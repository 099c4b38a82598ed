"""Sharing notes as the panel's script does: fetch a form token, post JSON; open a link as a recipient."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.forms import find_csrf_token

TRIAL = "NCT04012996"
NOTE = {
    "quote": "18 years of age or older",
    "note": "Ask Dr. Rivera: does my age count?\nAlso: travel costs?",
    "section": "eligibility",
    "section_title": "Who can take part",
}


def api_post(client: FlaskClient, url: str, body: Any) -> TestResponse:
    token = client.get("/notes/csrf-token").get_json()["csrf_token"]
    return client.post(url, json=body, headers={"X-CSRFToken": token})


def share(client: FlaskClient, notes: list[dict[str, str]] | None = None, **fields: Any) -> TestResponse:
    body = {"nct_id": TRIAL, "notes": notes if notes is not None else [NOTE], **fields}
    return api_post(client, "/notes/shares", body)


def link_path(url: str) -> str:
    return url.removeprefix("https://trials.example.org")


def try_passcode(client: FlaskClient, path: str, passcode: str, ip: str = "127.0.0.1") -> TestResponse:
    """Open the link's page (as a fresh visitor would) and send a passcode."""
    html = client.get(path).get_data(as_text=True)
    token = find_csrf_token(html)
    assert token, "the link's page has no passcode form"
    return client.post(path, data={"csrf_token": token, "passcode": passcode}, environ_overrides={"REMOTE_ADDR": ip})
