"""CSV export: the filtered list of the user's own sites, every field, nothing a spreadsheet would run."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent
from portal.site.export import neutralise
from tests.staff import ALICE, TwoSites, make_request, sign_in, two_sites


@pytest.fixture
def sites(app: Flask, import_demo) -> TwoSites:  # type: ignore[no-untyped-def]
    return two_sites(app, import_demo)


def rows(client: FlaskClient, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/site/export.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_has_every_field_of_the_users_own_requests(app: Flask, client: FlaskClient, sites: TwoSites) -> None:
    sign_in(client, ALICE)
    [row] = rows(client)
    assert row["first_name"] == "Ada" and row["last_name"] == "Lovelace"
    assert row["email"] == "ada@example.org"
    assert row["phone"] == "'+13125550142"  # a leading + is a formula to a spreadsheet
    assert row["trial"] == "NCT04012996" and row["status"] == "new"
    assert row["language"] == "English"
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "exported"))
        assert event.user_email == ALICE and event.detail == "1 rows"


def test_formulas_are_neutralised(app: Flask, client: FlaskClient, sites: TwoSites) -> None:
    make_request(app, sites.site_a, first_name='=HYPERLINK("http://evil.example")', message="@SUM(A1:A9)")
    make_request(app, sites.site_a, first_name="-2+3", message="+cmd")
    sign_in(client, ALICE)
    exported = {row["first_name"]: row for row in rows(client)}
    assert '\'=HYPERLINK("http://evil.example")' in exported
    assert exported['\'=HYPERLINK("http://evil.example")']["message"] == "'@SUM(A1:A9)"
    assert exported["'-2+3"]["message"] == "'+cmd"
    assert exported["Ada"]["message"] == ""


@pytest.mark.parametrize(
    ("value", "safe"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("plain", "plain"), (None, "")],
)
def test_neutralise(value: str | None, safe: str) -> None:
    assert neutralise(value) == safe


def test_the_csv_follows_the_filters(app: Flask, client: FlaskClient, sites: TwoSites) -> None:
    make_request(app, sites.site_a, first_name="Other")
    sign_in(client, ALICE)
    assert len(rows(client)) == 2
    assert rows(client, "?status=contacted") == []
