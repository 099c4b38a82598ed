"""With the database away, every route says so with a 503 in its own format, and never claims anything was sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.extensions import db
from tests.conftest import free_port

TRIAL = "NCT04012996"


@pytest.fixture
def broken_client(app: Flask) -> Iterator[FlaskClient]:
    broken = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://127.0.0.1:{free_port()}/nothing",
            "OUTBOX_DELIVERY": "manual",
        }
    )
    yield broken.test_client()
    with broken.app_context():
        db.engine.dispose()


def test_a_contact_form_with_an_expired_token_gets_the_outage_page_not_a_500(broken_client: FlaskClient) -> None:
    response = broken_client.post(f"/trials/{TRIAL}/contact", data={"action": "send", "first_name": "Ann"})
    assert response.status_code == 503
    assert "have NOT been sent" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/trials?q=knee", f"/api/v1/trials/{TRIAL}"])
def test_the_api_answers_a_json_503(broken_client: FlaskClient, path: str) -> None:
    response = broken_client.get(path)
    assert response.status_code == 503
    assert response.is_json and "not working" in response.get_json()["error"]


def test_the_notes_endpoints_answer_a_json_503(broken_client: FlaskClient) -> None:
    token = broken_client.get("/notes/csrf-token").get_json()["csrf_token"]
    for url, body in [
        ("/notes/shares", {"nct_id": TRIAL, "notes": [{"quote": "q", "note": "n", "section": "eligibility"}]}),
        ("/notes/shares/revoke", {"owner_token": "x" * 43}),
        ("/notes/shares/email", {"owner_token": "x" * 43, "url": "https://x/notes/s/a", "email": "kim@example.org"}),
    ]:
        response = broken_client.post(url, json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 503, url
        assert response.is_json, url
