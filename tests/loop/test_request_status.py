"""The patient's status link: what the page says, withdrawing, and saying yes to a fallback offer."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from portal.contact.follow_up import run_follow_ups
from portal.extensions import db
from portal.models import ContactRequest, OutboxEmail
from portal.models.audit import ContactRequestEvent
from portal.models.contact import RECIPIENT_PORTAL_TEAM
from tests.forms import find_csrf_token
from tests.loop.helpers import MONDAY, OTHER_TRIAL, TRIAL, import_other_trial, mail_of_kind, site_named, stored, submit

LINK_RE = re.compile(r"https://trials\.example\.org(/requests/[A-Za-z0-9_.\-]+)")


def status_path(app: Flask) -> str:
    [copy] = mail_of_kind(app, "contact_patient")
    match = LINK_RE.search(copy.body_text)
    assert match, copy.body_text
    assert match.group(0) in copy.body_html
    return match.group(1)


@pytest.fixture
def request_id(app: Flask, import_demo) -> str:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    return submit(app, site_named(app, "Flagstaff Bone and Joint"))


def set_values(app: Flask, public_id: str, **values: object) -> None:
    with app.app_context():
        db.session.execute(update(ContactRequest).where(ContactRequest.public_id == public_id).values(**values))
        db.session.commit()


def test_the_status_page_says_where_the_request_is(app: Flask, client: FlaskClient, request_id: str) -> None:
    response = client.get(status_path(app))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]
    html = response.get_data(as_text=True)
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert TRIAL in html and "Flagstaff Bone and Joint" in html and "Flagstaff, United States" in html
    assert "23 November 2026" in html
    assert "We sent your request to the study team at Flagstaff Bone and Joint." in html
    assert re.search(r'aria-current="step"[^>]*>Received', html)
    assert "Withdraw my request" in html


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("contacted", "The team has tried to reach you"),
        ("unreachable", "The team has tried to reach you"),
        ("scheduled", "Screening booked"),
        ("enrolled", "Closed"),
        ("not eligible", "Closed"),
    ],
)
def test_the_sites_progress_in_patient_words(
    app: Flask, client: FlaskClient, request_id: str, status: str, label: str
) -> None:
    set_values(app, request_id, status=status)
    html = client.get(status_path(app)).get_data(as_text=True)
    assert re.search(rf'aria-current="step"[^>]*>{label}', html)


def test_no_internal_notes_on_the_page(app: Flask, client: FlaskClient, request_id: str) -> None:
    with app.app_context():
        contact_id = db.session.scalar(select(ContactRequest.id).where(ContactRequest.public_id == request_id))
        db.session.add(ContactRequestEvent(contact_request_id=contact_id, kind="note", note="Seems keen; call after 5"))
        db.session.commit()
    set_values(app, request_id, first_response_at=MONDAY + timedelta(hours=2))
    html = client.get(status_path(app)).get_data(as_text=True)
    assert "Seems keen" not in html
    assert re.search(r'aria-current="step"[^>]*>The team has tried to reach you', html)


def test_requests_for_the_portal_team_say_it_will_phone_the_site(
    app: Flask, client: FlaskClient, request_id: str
) -> None:
    set_values(app, request_id, recipient_kind=RECIPIENT_PORTAL_TEAM, needs_phone_call=True)
    html = client.get(status_path(app)).get_data(as_text=True)
    assert "the portal team will phone the study site" in html


def test_an_escalated_request_says_the_portal_team_will_phone(app: Flask, client: FlaskClient, request_id: str) -> None:
    set_values(app, request_id, escalated_at=MONDAY + timedelta(days=9))
    html = client.get(status_path(app)).get_data(as_text=True)
    assert "nobody there has answered yet. So the portal team will phone the study site." in html


def test_not_yet_sent_is_not_called_sent(app: Flask, client: FlaskClient, request_id: str) -> None:
    with app.app_context():
        db.session.execute(update(OutboxEmail).values(status="pending", sent_at=None))
        db.session.commit()
    html = client.get(status_path(app)).get_data(as_text=True)
    assert "We are still sending your request." in html and "We sent your request" not in html


def test_a_link_that_is_not_ours_finds_nothing(app: Flask, client: FlaskClient, request_id: str) -> None:
    path = status_path(app)
    assert client.get(path[:-2] + ("xx" if not path.endswith("xx") else "yy")).status_code == 404
    assert client.get("/requests/" + request_id).status_code == 404  # the public id is not a status link


def test_withdrawing_tells_the_site_and_erases_the_request(app: Flask, client: FlaskClient, request_id: str) -> None:
    path = status_path(app)
    html = client.get(path).get_data(as_text=True)
    token = find_csrf_token(html)
    assert client.post(path + "/withdraw", data={}).status_code == 400  # no form token: nothing happens
    assert stored(app, request_id) is not None
    response = client.post(path + "/withdraw", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/requests/withdrawn")
    assert "Your request is withdrawn" in client.get("/requests/withdrawn").get_data(as_text=True)
    assert stored(app, request_id) is None
    [notice] = mail_of_kind(app, "contact_withdrawn")
    assert notice.recipients == ["c.nelson@flagstaffboneandjoint.com"]
    assert request_id in notice.body_text and "2026-11-23" in notice.body_text
    for private in ("Ada", "Lovelace", "ada@example.org", "555-0142", "Mornings"):
        assert private not in notice.body_text and private not in notice.body_html and private not in notice.subject
    with app.app_context():
        # Nothing of the person is left: the request's own mail is gone with it.
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 1
    gone = client.get(path)
    assert gone.status_code == 404 and "If you withdrew it, we deleted your details." in gone.get_data(as_text=True)
    # Posting again changes nothing and says the same.
    assert client.post(path + "/withdraw", data={"csrf_token": token}).status_code == 302
    assert len(mail_of_kind(app, "contact_withdrawn")) == 1


def test_a_request_withdrawn_before_its_email_left_sends_no_notice(
    app: Flask, client: FlaskClient, request_id: str
) -> None:
    with app.app_context():
        db.session.execute(update(OutboxEmail).values(status="pending", sent_at=None))
        db.session.commit()
    path = status_path(app)
    token = find_csrf_token(client.get(path).get_data(as_text=True))
    client.post(path + "/withdraw", data={"csrf_token": token})
    assert stored(app, request_id) is None
    assert mail_of_kind(app, "contact_withdrawn") == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0  # the unsent ones went too


def offer_links(app: Flask) -> list[str]:
    [offer] = mail_of_kind(app, "contact_fallback")
    return re.findall(r"https://trials\.example\.org(/requests/offer/\S+)", offer.body_text)


def test_a_fallback_offer_needs_a_fresh_consent(
    app: Flask, client: FlaskClient, request_id: str, tmp_path: Path
) -> None:
    import_other_trial(app, tmp_path)
    with app.app_context():
        run_follow_ups(db.session, MONDAY + timedelta(days=9))
        db.session.remove()
    same_trial, other_trial = offer_links(app)
    page = client.get(other_trial)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert OTHER_TRIAL in html and "Another Neck Disc Study" in html
    token = find_csrf_token(html)
    # Opening the link, or posting without the box ticked, sends nothing.
    refused = client.post(other_trial, data={"csrf_token": token})
    assert refused.status_code == 422
    assert 'id="consent-error">Please tick this box to send your request to this site.' in refused.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ContactRequest)) == 1
    sent = client.post(other_trial, data={"csrf_token": token, "consent": "y"})
    assert sent.status_code == 302 and f"/trials/{OTHER_TRIAL}/contact/sent" in sent.headers["Location"]
    with app.app_context():
        new = db.session.scalar(select(ContactRequest).where(ContactRequest.public_id != request_id))
        assert new is not None and new.trial.nct_id == OTHER_TRIAL
        assert (new.first_name, new.email, new.phone) == ("Ada", "ada@example.org", "+13125550142")
        assert new.status_nonce and new.consent_at > MONDAY
        kinds = sorted(db.session.scalars(select(OutboxEmail.kind).where(OutboxEmail.contact_request_id == new.id)))
        assert kinds == ["contact_patient", "contact_site"]
    assert client.get(same_trial).status_code == 200
