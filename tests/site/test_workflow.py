"""Working a request: list order and filters, status changes with history, notes, first response and its time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, ContactRequest
from portal.models.base import utcnow
from portal.site.services import add_business_days, needs_attention
from tests.forms import csrf_token
from tests.staff import ALICE, TwoSites, make_request, sign_in, two_sites


@pytest.fixture
def sites(app: Flask, import_demo) -> TwoSites:  # type: ignore[no-untyped-def]
    return two_sites(app, import_demo)


def post(client: FlaskClient, public_id: str, action: str, **data: str):  # type: ignore[no-untyped-def]
    page = f"/site/requests/{public_id}"
    return client.post(f"{page}/{action}", data={**data, "csrf_token": csrf_token(client, page)})


def test_status_changes_are_kept_in_the_history_and_the_audit_log(
    app: Flask, client: FlaskClient, sites: TwoSites
) -> None:
    sign_in(client, ALICE)
    assert post(client, sites.request_a, "status", status="contacted").status_code == 302
    assert post(client, sites.request_a, "status", status="scheduled").status_code == 302
    html = client.get(f"/site/requests/{sites.request_a}").get_data(as_text=True)
    assert "Status changed to Scheduled." in html
    assert "status changed from Contacted to Scheduled" in html
    assert "status changed from New to Contacted" in html
    assert html.index("from Contacted to Scheduled") < html.index("from New to Contacted")  # newest first
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions.count("status changed") == 2 and "viewed" in actions
        assert {e.user_email for e in db.session.scalars(select(AuditEvent))} == {ALICE}


@pytest.mark.parametrize(
    "status", ["new", "contacted", "pre-screening", "scheduled", "enrolled", "not eligible", "unreachable", "withdrawn"]
)
def test_every_status_of_the_workflow_can_be_set(app: Flask, client: FlaskClient, sites: TwoSites, status: str) -> None:
    sign_in(client, ALICE)
    post(client, sites.request_a, "status", status=status)
    with app.app_context():
        assert (
            db.session.scalar(select(ContactRequest.status).where(ContactRequest.public_id == sites.request_a))
            == status
        )


def test_an_unknown_status_is_refused_beside_the_field(client: FlaskClient, sites: TwoSites) -> None:
    sign_in(client, ALICE)
    response = post(client, sites.request_a, "status", status="lost")
    assert response.status_code == 422
    assert 'id="status-error"' in response.get_data(as_text=True)


def test_notes_are_internal_and_listed_with_their_author(client: FlaskClient, sites: TwoSites) -> None:
    sign_in(client, ALICE)
    assert post(client, sites.request_a, "notes", note="Prefers a call after 5pm.").status_code == 302
    html = client.get(f"/site/requests/{sites.request_a}").get_data(as_text=True)
    assert "Prefers a call after 5pm." in html and "Alice" in html
    empty = post(client, sites.request_a, "notes", note="   ")
    assert empty.status_code == 422 and "Please write the note." in empty.get_data(as_text=True)


def test_first_response_gives_the_response_time(app: Flask, client: FlaskClient, sites: TwoSites) -> None:
    arrived = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
    public_id = make_request(app, sites.site_a, first_name="Cyd", created_at=arrived)
    sign_in(client, ALICE)
    before = post(client, public_id, "first-response", responded_at="2026-11-01T10:00")
    assert before.status_code == 422 and "between the request&#39;s arrival and now" in before.get_data(as_text=True)
    # The site is in Flagstaff, Arizona: the team types the time as their clock shows it (UTC-7 all year).
    assert post(client, public_id, "first-response", responded_at="2026-11-03 12:30").status_code == 302
    html = client.get(f"/site/requests/{public_id}").get_data(as_text=True)
    assert "first response recorded: 3 November 2026, 12:30 America/Phoenix" in html
    assert "response time: 1 day" in html
    with app.app_context():
        stored = db.session.scalar(select(ContactRequest).where(ContactRequest.public_id == public_id))
        assert stored is not None and stored.first_response_at == datetime(2026, 11, 3, 19, 30, tzinfo=UTC)


def test_the_list_is_newest_first_and_filters_by_status_site_trial_and_dates(
    app: Flask, client: FlaskClient, sites: TwoSites
) -> None:
    make_request(app, sites.site_a, first_name="Old", created_at=datetime(2026, 1, 10, tzinfo=UTC))
    make_request(app, sites.site_a, first_name="Mid", created_at=datetime(2026, 6, 10, tzinfo=UTC))
    sign_in(client, ALICE)
    html = client.get("/site/").get_data(as_text=True)
    assert html.index(">Ada ") < html.index(">Mid ") < html.index(">Old ")
    dated = client.get("/site/?date_from=2026-06-01&date_to=2026-06-10").get_data(as_text=True)
    assert ">Mid " in dated and ">Old " not in dated and ">Ada " not in dated
    post(client, sites.request_a, "status", status="contacted")
    contacted = client.get("/site/?status=contacted").get_data(as_text=True)
    assert ">Ada " in contacted and ">Mid " not in contacted
    by_site = client.get(f"/site/?site={sites.site_a}&trial=NCT04012996").get_data(as_text=True)
    assert ">Old " in by_site
    assert client.get("/site/?trial=NCT00000000").status_code == 404
    bad = client.get("/site/?date_from=2026-13-45")
    assert bad.status_code == 400 and 'id="date_from-error"' in bad.get_data(as_text=True)
    backwards = client.get("/site/?date_from=2026-06-10&date_to=2026-06-01")
    assert backwards.status_code == 400 and "before the first one" in backwards.get_data(as_text=True)


def test_requests_nobody_acted_on_for_two_business_days_are_highlighted(
    app: Flask, client: FlaskClient, sites: TwoSites
) -> None:
    make_request(app, sites.site_a, first_name="Late", created_at=utcnow() - timedelta(days=5))
    sign_in(client, ALICE)
    html = client.get("/site/").get_data(as_text=True)
    assert html.count("No reply for 2 working days") == 1
    row = html[html.index(">Late ") - 600 : html.index(">Late ")]
    assert "requests__late" in row


def test_two_business_days_skip_the_weekend() -> None:
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert add_business_days(friday, 2) == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tuesday
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert add_business_days(saturday, 2) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # from Monday 00:00
    request = ContactRequest(status="new", created_at=friday, first_response_at=None)
    assert not needs_attention(request, datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
    assert needs_attention(request, datetime(2026, 12, 1, 16, 0, tzinfo=UTC))
    request.status = "contacted"
    assert not needs_attention(request, datetime(2026, 12, 9, tzinfo=UTC))
