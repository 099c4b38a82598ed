"""A site's address that refuses our email for good (a real SMTP server answering 550): the request goes to the
phone queue, the site's next requests go there directly, and saving the site's recipients in admin ends it."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from portal.contact.wording import delivery_wording
from portal.extensions import db
from portal.mail.outbox import deliver_due
from portal.models import ContactRequest, OutboxEmail, Site, UndeliverableAddress
from tests.conftest import SmtpServer
from tests.contact.helpers import TRIAL, post_contact
from tests.forms import csrf_token
from tests.staff import make_user, sign_in

SITE_ADDRESS = "c.nelson@flagstaffboneandjoint.com"  # the registry's contact for Flagstaff Bone and Joint
NEW_ADDRESS = "research@flagstaffboneandjoint.example.org"
ADMIN = "ops@example.org"


@pytest.fixture
def site_id(app: Flask, import_demo) -> int:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    with app.app_context():
        return db.session.scalars(select(Site.id).where(Site.facility == "Flagstaff Bone and Joint")).one()


def ask(app: Flask, site_id: int, first_name: str) -> ContactRequest:
    assert post_contact(app.test_client(), TRIAL, site=str(site_id), first_name=first_name).status_code == 302
    with app.app_context():
        contact = db.session.scalars(select(ContactRequest).where(ContactRequest.first_name == first_name)).one()
        db.session.expunge(contact)
        return contact


def deliver(app: Flask) -> None:
    with app.app_context():
        deliver_due(db.session)
        db.session.remove()


def site_email_of(app: Flask, contact: ContactRequest) -> OutboxEmail:
    with app.app_context():
        row = db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.contact_request_id == contact.id, OutboxEmail.kind == "contact_site")
        ).one()
        db.session.expunge(row)
        return row


def reload(app: Flask, contact: ContactRequest) -> ContactRequest:
    with app.app_context():
        fresh = db.session.get(ContactRequest, contact.id)
        assert fresh is not None
        db.session.expunge(fresh)
        return fresh


def test_a_550_moves_the_request_and_the_sites_next_ones_to_the_phone_queue_until_an_operator_fixes_it(
    app: Flask, smtp_server: SmtpServer, site_id: int
) -> None:
    smtp_server.handler.refuse[SITE_ADDRESS] = "550 5.1.1 No such user"
    first = ask(app, site_id, "Ana")
    assert first.recipients == [SITE_ADDRESS] and first.phone_reason is None
    deliver(app)

    # Refused for good: the address is marked for this site, and the request is in the phone queue.
    assert site_email_of(app, first).status == "failed"
    with app.app_context():
        marks = db.session.execute(select(UndeliverableAddress.site_id, UndeliverableAddress.email)).all()
        assert [tuple(m) for m in marks] == [(site_id, SITE_ADDRESS)]
    first = reload(app, first)
    assert first.phone_reason == "bounced" and first.needs_phone_call
    with app.test_request_context():  # what the patient's status page can now say about it
        assert "Our team will phone the site" in delivery_wording(first).summary
    # The patient's copy went out; their confirmation email was sent before anyone knew (it is a separate row).
    assert any(m["To"] == "jose.muller@example.org" for m in smtp_server.messages)

    make_user(app, ADMIN, role="admin")
    admin = app.test_client()
    sign_in(admin, ADMIN)
    queue = admin.get("/admin/requests/").get_data(as_text=True)
    assert f"/admin/requests/{first.public_id}" in queue
    assert "The site's email address refused our email" in queue
    history = admin.get(f"/site/requests/{first.public_id}").get_data(as_text=True)
    assert "refused the request (SMTP 550); it moved to the phone queue" in history
    sites_page = admin.get(f"/admin/trials/{TRIAL}/sites?q=flagstaff").get_data(as_text=True)
    assert f"{SITE_ADDRESS} (550 5.1.1 No such user)" in sites_page

    # The next request to the site goes straight to the portal team, who are told why, and so is the patient.
    second = ask(app, site_id, "Bo")
    assert second.recipients == ["portal-team@localhost"]
    assert second.recipient_kind == "portal_team" and second.phone_reason == "bounced"
    email = site_email_of(app, second)
    assert "this site's email address refused our emails" in email.body_text
    assert f"https://trials.example.org/admin/requests/{second.public_id}" in email.body_text
    with app.test_request_context():
        told = delivery_wording(second)
    assert "Our emails to Flagstaff Bone and Joint did not get through" in told.summary
    assert "Our team will phone the site" in told.summary
    deliver(app)
    assert site_email_of(app, second).status == "sent"  # the portal team's own address is never marked
    queue = admin.get("/admin/requests/").get_data(as_text=True)
    assert f"/admin/requests/{second.public_id}" in queue

    # The operator saves the site's recipients: the mark goes, and the next request is emailed to the site again.
    page = f"/admin/trials/{TRIAL}/sites?q=flagstaff"
    saved = admin.post(
        f"/admin/sites/{site_id}/recipients",
        data={"emails": NEW_ADDRESS, "q": "flagstaff", "csrf_token": csrf_token(admin, page)},
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"q=flagstaff#site-{site_id}")
    with app.app_context():
        assert db.session.scalar(select(UndeliverableAddress)) is None
    third = ask(app, site_id, "Cy")
    assert third.recipients == [NEW_ADDRESS] and third.recipient_kind == "override" and third.phone_reason is None
    deliver(app)
    assert site_email_of(app, third).status == "sent"
    assert admin.get(f"/admin/trials/{TRIAL}/sites?q=flagstaff").get_data(as_text=True).count("Refused our email") == 0


def test_a_temporary_refusal_marks_nothing(app: Flask, smtp_server: SmtpServer, site_id: int) -> None:
    smtp_server.handler.refuse[SITE_ADDRESS] = "450 4.2.1 Mailbox busy"
    contact = ask(app, site_id, "Di")
    deliver(app)
    assert site_email_of(app, contact).status == "pending"  # retried later
    with app.app_context():
        assert db.session.scalar(select(UndeliverableAddress)) is None
    assert reload(app, contact).phone_reason is None
