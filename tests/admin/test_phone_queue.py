"""The phone queue: requests the portal team passes on by phone, the site's numbers, and each call's outcome."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, ContactRequest, OutboxEmail, Site, Trial
from portal.models.audit import ContactRequestEvent
from tests.contact.helpers import TRIAL, post_contact
from tests.forms import csrf_token
from tests.staff import ALICE, make_user, sign_in

ADMIN = "ops@example.org"


@pytest.fixture
def no_email_site(app: Flask, import_demo) -> int:  # type: ignore[no-untyped-def]
    """The trial's first site, with phone numbers but no email address anywhere in its record."""
    import_demo(TRIAL)
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.facility == "Flagstaff Bone and Joint"))
        assert site is not None
        site.contacts = [
            {"name": "Cari Nelson", "role": "CONTACT", "phone": "928-555-0100", "phone_ext": "12"},
            {"name": "Dr Ivan Bell", "role": "PRINCIPAL_INVESTIGATOR", "phone": "928-555-0199"},
        ]
        trial = db.session.scalar(select(Trial).where(Trial.nct_id == TRIAL))
        assert trial is not None
        trial.central_contacts = [{"name": "James Kuras", "role": "CONTACT", "phone": "484.887.8873"}]
        db.session.commit()
        return site.id


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    make_user(app, ADMIN, role="admin")
    client = app.test_client()
    sign_in(client, ADMIN)
    return client


def ask(app: Flask, site_id: int, first_name: str = "José") -> str:
    """A patient's request for the site, through the real contact form; returns its public id."""
    patient = app.test_client()
    assert post_contact(patient, TRIAL, site=str(site_id), first_name=first_name).status_code == 302
    with app.app_context():
        return db.session.scalars(select(ContactRequest.public_id).where(ContactRequest.first_name == first_name)).one()


def record_call(admin: FlaskClient, app: Flask, public_id: str, **fields: str):  # type: ignore[no-untyped-def]
    with app.app_context():
        number = db.session.scalars(select(ContactRequest.id).where(ContactRequest.public_id == public_id)).one()
    data = {f"call-{number}-{key}": value for key, value in fields.items()}
    data[f"call-{number}-csrf_token"] = csrf_token(admin, "/admin/requests/")
    return admin.post(f"/admin/requests/{public_id}/call", data=data)


def test_a_request_for_a_site_without_email_is_in_the_queue_with_the_sites_numbers(
    app: Flask, admin: FlaskClient, no_email_site: int
) -> None:
    public_id = ask(app, no_email_site)
    with app.app_context():
        stored = db.session.scalars(select(ContactRequest)).one()
        assert stored.phone_reason == "no_email" and stored.needs_phone_call
    html = admin.get("/admin/requests/").get_data(as_text=True)
    assert "Flagstaff Bone and Joint" in html and "The registry lists no email address for the site" in html
    # The site's own numbers first (with the extension and whom they reach), then the trial's central contact.
    site_number = html.index('href="tel:928-555-0100"')
    assert "ext. 12 (Cari Nelson)" in html and "(Dr Ivan Bell)" in html
    assert site_number < html.index('href="tel:928-555-0199"') < html.index('href="tel:484.887.8873"')
    assert f'href="/admin/requests/{public_id}"' in html
    # The three outcomes, each a labelled choice, and a labelled note.
    for label in ("Passed on", "Could not reach", "Site not taking part"):
        assert re.search(rf'<label for="call-\d+-outcome-\d">{label}</label>', html)
    assert re.search(r'<label for="call-\d+-note">Note', html)


def test_the_portal_teams_email_links_to_the_admin_request_page_that_works(
    app: Flask, admin: FlaskClient, no_email_site: int
) -> None:
    public_id = ask(app, no_email_site)
    with app.app_context():
        email = db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "contact_site")).one()
        assert email.recipients == ["portal-team@localhost"]
        assert email.subject.startswith("[Action needed: phone the site]")
    link = f"https://trials.example.org/admin/requests/{public_id}"
    assert link in email.body_text and link in email.body_html
    page = admin.get(f"/admin/requests/{public_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "José" in html and 'href="tel:928-555-0100"' in html
    with app.app_context():
        audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "viewed")).one()
        assert audit.user_email == ADMIN and audit.contact_request_id is not None


def test_each_outcome_is_recorded_with_its_note_and_passed_on_leaves_the_queue(
    app: Flask, admin: FlaskClient, no_email_site: int
) -> None:
    first = ask(app, no_email_site, "Ana")
    second = ask(app, no_email_site, "Bo")
    third = ask(app, no_email_site, "Cy")

    response = record_call(admin, app, first, outcome="not_reached", note="Voicemail; try again Monday.")
    assert response.status_code == 302
    html = admin.get("/admin/requests/").get_data(as_text=True)
    assert f"/admin/requests/{first}" in html and "Last call" in html and "Could not reach" in html  # still here

    assert record_call(admin, app, first, outcome="passed_on", note="Cari Nelson took the details.").status_code == 302
    assert (
        record_call(admin, app, second, outcome="not_taking_part", note="Site closed to new people.").status_code == 302
    )
    html = admin.get("/admin/requests/").get_data(as_text=True)
    assert f"/admin/requests/{first}" not in html and f"/admin/requests/{second}" not in html
    assert f"/admin/requests/{third}" in html

    with app.app_context():
        calls = db.session.execute(
            select(ContactRequest.first_name, ContactRequestEvent.new_status, ContactRequestEvent.note)
            .join(ContactRequest, ContactRequest.id == ContactRequestEvent.contact_request_id)
            .where(ContactRequestEvent.kind == "phone call")
            .order_by(ContactRequestEvent.id)
        ).all()
        assert [tuple(c) for c in calls] == [
            ("Ana", "not_reached", "Voicemail; try again Monday."),
            ("Ana", "passed_on", "Cari Nelson took the details."),
            ("Bo", "not_taking_part", "Site closed to new people."),
        ]
        assert db.session.scalar(select(ContactRequest.phone_outcome).where(ContactRequest.public_id == first)) == (
            "passed_on"
        )
        actions = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "phone outcome")).all()
        assert sorted(actions) == ["not_reached", "not_taking_part", "passed_on"]
    # The request's own page tells the story, for the portal team and the site's team alike.
    page = admin.get(f"/admin/requests/{first}").get_data(as_text=True)
    assert "call to the site: Passed on" in page and "Cari Nelson took the details." in page


def test_an_outcome_without_a_choice_or_a_note_is_refused_beside_the_field_and_nothing_changes(
    app: Flask, admin: FlaskClient, no_email_site: int
) -> None:
    public_id = ask(app, no_email_site)
    no_note = record_call(admin, app, public_id, outcome="passed_on", note="   ")
    html = no_note.get_data(as_text=True)
    assert no_note.status_code == 422
    assert re.search(r'<p class="field-error" id="call-\d+-note-error">Please write a note', html)
    assert re.search(r'value="passed_on" checked|checked[^>]*value="passed_on"', html)  # the choice is kept
    no_choice = record_call(admin, app, public_id, note="Rang twice.")
    html = no_choice.get_data(as_text=True)
    assert no_choice.status_code == 422 and "Please choose what happened." in html and "Rang twice." in html
    made_up = record_call(admin, app, public_id, outcome="enrolled", note="Rang twice.")
    assert made_up.status_code == 422
    with app.app_context():
        stored = db.session.scalars(select(ContactRequest)).one()
        assert stored.phone_outcome is None
        assert db.session.scalar(select(ContactRequestEvent).where(ContactRequestEvent.kind == "phone call")) is None


def test_admins_open_any_request_in_the_site_area_and_each_view_is_audited(
    app: Flask, admin: FlaskClient, import_demo
) -> None:  # type: ignore[no-untyped-def]
    from tests.staff import two_sites

    sites = two_sites(app, import_demo)
    for public_id in (sites.request_a, sites.request_b):
        page = admin.get(f"/site/requests/{public_id}")
        assert page.status_code == 200
    with app.app_context():
        viewed = db.session.scalars(
            select(AuditEvent.user_email).where(AuditEvent.action == "viewed").order_by(AuditEvent.id)
        ).all()
        assert viewed == [ADMIN, ADMIN]
    # Site members still see only their own site's requests, and the phone queue is not theirs.
    alice = app.test_client()
    sign_in(alice, ALICE)
    assert alice.get(f"/site/requests/{sites.request_a}").status_code == 200
    assert alice.get(f"/site/requests/{sites.request_b}").status_code == 404
    assert alice.get("/admin/requests/").status_code == 404
    assert alice.get(f"/admin/requests/{sites.request_a}").status_code == 404


def test_an_admin_with_no_site_is_pointed_to_the_phone_queue(app: Flask, admin: FlaskClient) -> None:
    html = admin.get("/site/").get_data(as_text=True)
    assert "You are not a member of any study site yet" not in html
    assert 'href="/admin/requests/"' in html


def test_the_admin_request_page_names_the_language_the_patient_used_as_the_site_area_does(
    app: Flask, admin: FlaskClient, no_email_site: int
) -> None:
    """No language chosen on the form, the portal used in Spanish: both pages say Spanish, not "No preference"."""
    patient = app.test_client()
    patient.get("/about?lang=es")
    assert post_contact(patient, TRIAL, site=str(no_email_site), language="").status_code == 302
    with app.app_context():
        public_id = db.session.scalars(select(ContactRequest.public_id)).one()
    html = admin.get(f"/admin/requests/{public_id}?lang=en").get_data(as_text=True)
    assert re.search(r"Preferred language</dt><dd>Spanish</dd>", html)
