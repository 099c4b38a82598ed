"""Reminders, escalations and the one fallback offer, with time moved by the clock the service takes."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update

from portal.contact.follow_up import run_follow_ups
from portal.extensions import db
from portal.models import ContactRequest, OutboxEmail, Site
from portal.models.contact import RECIPIENT_PORTAL_TEAM
from tests.loop.helpers import (
    MONDAY,
    OTHER_TRIAL,
    PATIENT,
    TRIAL,
    import_other_trial,
    mail_of_kind,
    site_named,
    stored,
    submit,
)


def run(app: Flask, now: datetime) -> None:
    with app.app_context():
        run_follow_ups(db.session, now)
        db.session.remove()


@pytest.fixture
def flagstaff(app: Flask, import_demo) -> int:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    return site_named(app, "Flagstaff Bone and Joint")


def test_the_site_gets_one_reminder_after_two_working_days(app: Flask, flagstaff: int) -> None:
    public_id = submit(app, flagstaff)
    run(app, MONDAY + timedelta(days=1, hours=23))  # Wednesday 09:00: not yet
    assert mail_of_kind(app, "contact_reminder") == []
    run(app, MONDAY + timedelta(days=2, minutes=1))  # Wednesday 10:01
    [reminder] = mail_of_kind(app, "contact_reminder")
    assert reminder.recipients == ["c.nelson@flagstaffboneandjoint.com"]
    assert "NCT04012996" in reminder.subject and "Flagstaff Bone and Joint" in reminder.subject
    assert f"/site/requests/{public_id}" in reminder.body_text
    # No patient details in a message that only says "someone is waiting".
    assert "Ada" not in reminder.body_text and "ada@example.org" not in reminder.body_text
    run(app, MONDAY + timedelta(days=2, hours=5))
    assert len(mail_of_kind(app, "contact_reminder")) == 1
    contact = stored(app, public_id)
    assert contact is not None and contact.reminded_at == MONDAY + timedelta(days=2, minutes=1)


def test_no_reminder_once_the_site_has_responded(app: Flask, flagstaff: int) -> None:
    public_id = submit(app, flagstaff)
    with app.app_context():
        db.session.execute(
            update(ContactRequest)
            .where(ContactRequest.public_id == public_id)
            .values(first_response_at=MONDAY + timedelta(hours=3))
        )
        db.session.commit()
    run(app, MONDAY + timedelta(days=10))
    assert mail_of_kind(app, "contact_reminder") == [] and mail_of_kind(app, "contact_fallback") == []


def test_a_weekend_does_not_count(app: Flask, flagstaff: int) -> None:
    friday = MONDAY - timedelta(days=3)  # Friday 20 November, 10:00
    submit(app, flagstaff, when=friday)
    run(app, friday + timedelta(days=3, hours=23))  # Tuesday 09:00: two calendar days passed on Sunday
    assert mail_of_kind(app, "contact_reminder") == []
    run(app, friday + timedelta(days=4))  # Tuesday 10:00: Monday and Tuesday were the 2 working days
    assert len(mail_of_kind(app, "contact_reminder")) == 1


def test_escalation_after_five_working_days_skips_the_public_holiday(
    app: Flask, flagstaff: int, tmp_path: Path
) -> None:
    import_other_trial(app, tmp_path)
    public_id = submit(app, flagstaff)
    # Five calendar working days would end on Monday 30th; Thanksgiving (Thursday 26th) moves it to Tuesday.
    run(app, datetime(2026, 11, 30, 12, 0, tzinfo=MONDAY.tzinfo))
    contact = stored(app, public_id)
    assert contact is not None and contact.escalated_at is None
    assert mail_of_kind(app, "contact_fallback") == []
    when = datetime(2026, 12, 1, 10, 1, tzinfo=MONDAY.tzinfo)
    run(app, when)
    contact = stored(app, public_id)
    assert contact is not None and contact.escalated_at == when
    [offer] = mail_of_kind(app, "contact_fallback")
    assert offer.recipients == ["ada@example.org"]
    text = offer.body_text
    assert "has not answered your request yet" in text and "Our team will phone the study site" in text
    assert "We will not send your details anywhere unless you open a link below and say yes." in text
    # The next-nearest site of the same trial, and the other open trial for the same condition near Flagstaff.
    assert "The same trial at the next nearest site:" in text
    assert OTHER_TRIAL in text and "Another Neck Disc Study" in text
    links = re.findall(r"https://trials\.example\.org/requests/offer/\S+", text)
    assert len(links) == 2 and len(set(links)) == 2
    assert "https://trials.example.org/requests/" in text
    # Nothing went to any other site.
    with app.app_context():
        assert db.session.scalar(select(ContactRequest.id).where(ContactRequest.public_id != public_id)) is None
    # Later passes write no second offer, and no reminder for an escalated request.
    run(app, when + timedelta(days=3))
    assert len(mail_of_kind(app, "contact_fallback")) == 1


def test_reminder_and_offer_are_written_once_even_when_the_marks_are_lost(app: Flask, flagstaff: int) -> None:
    """A second worker, or a pass replayed after a crash, finds the unique keys taken: nothing is written twice."""
    public_id = submit(app, flagstaff)
    run(app, MONDAY + timedelta(days=3))
    run(app, MONDAY + timedelta(days=9))
    with app.app_context():
        db.session.execute(
            update(ContactRequest)
            .where(ContactRequest.public_id == public_id)
            .values(reminded_at=None, escalated_at=None)
        )
        db.session.commit()
    run(app, MONDAY + timedelta(days=3))
    run(app, MONDAY + timedelta(days=9))
    assert len(mail_of_kind(app, "contact_reminder")) == 1
    assert len(mail_of_kind(app, "contact_fallback")) == 1
    contact = stored(app, public_id)
    assert contact is not None and contact.reminded_at is not None and contact.escalated_at is not None


def test_requests_the_portal_team_phones_get_no_site_reminder(app: Flask, flagstaff: int) -> None:
    public_id = submit(app, flagstaff)
    with app.app_context():
        db.session.execute(
            update(ContactRequest)
            .where(ContactRequest.public_id == public_id)
            .values(recipient_kind=RECIPIENT_PORTAL_TEAM, needs_phone_call=True)
        )
        db.session.commit()
    run(app, MONDAY + timedelta(days=3))
    assert mail_of_kind(app, "contact_reminder") == []
    run(app, MONDAY + timedelta(days=9))
    [offer] = mail_of_kind(app, "contact_fallback")
    assert "Our team is trying to reach Flagstaff Bone and Joint by phone" in offer.body_text


def test_old_requests_are_never_chased(app: Flask, flagstaff: int) -> None:
    """Turning the feature on does not mail the backlog: only requests inside the look-back are read."""
    submit(app, flagstaff)
    run(app, MONDAY + timedelta(days=app.config["FOLLOW_UP_LOOKBACK_DAYS"] + 1))
    assert mail_of_kind(app, "contact_reminder") == [] and mail_of_kind(app, "contact_fallback") == []


def test_a_site_without_coordinates_gets_an_offer_without_other_sites(app: Flask, flagstaff: int) -> None:
    with app.app_context():
        db.session.execute(update(Site).where(Site.id == flagstaff).values(latitude=None, longitude=None))
        db.session.commit()
    submit(app, flagstaff)
    run(app, MONDAY + timedelta(days=9))
    [offer] = mail_of_kind(app, "contact_fallback")
    assert "/requests/offer/" not in offer.body_text and "next nearest" not in offer.body_text
    with app.app_context():
        assert db.session.scalar(select(OutboxEmail.unique_key).where(OutboxEmail.kind == "contact_fallback"))


def test_a_backlog_goes_out_over_several_passes_oldest_first(
    app: Flask, flagstaff: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "FOLLOW_UP_MAX_EMAILS", 1)
    older = submit(app, flagstaff, when=MONDAY - timedelta(hours=1))
    newer = submit(app, flagstaff, when=MONDAY, details=replace(PATIENT, email="bea@example.org"))
    with app.app_context():
        first = run_follow_ups(db.session, MONDAY + timedelta(days=3))
        second = run_follow_ups(db.session, MONDAY + timedelta(days=3))
        third = run_follow_ups(db.session, MONDAY + timedelta(days=3))
        db.session.remove()
    assert (first.reminders, first.complete) == (1, False)
    assert (second.reminders, third.reminders, third.complete) == (1, 0, True)
    first_key, second_key = (row.unique_key for row in mail_of_kind(app, "contact_reminder"))
    assert first_key == f"contact_reminder:{older}" and second_key == f"contact_reminder:{newer}"


def test_an_escalated_request_is_on_the_phone_queue_until_the_site_answers(app: Flask, flagstaff: int) -> None:
    from tests.staff import make_user, sign_in

    public_id = submit(app, flagstaff)
    make_user(app, "ops@example.org", role="admin")
    admin = app.test_client()
    sign_in(admin, "ops@example.org")
    assert f'href="/admin/requests/{public_id}"' not in admin.get("/admin/requests/").get_data(as_text=True)

    run(app, MONDAY + timedelta(days=9))  # past five working days: escalated
    escalated = stored(app, public_id)
    assert escalated is not None and escalated.escalated_at is not None
    queue = admin.get("/admin/requests/").get_data(as_text=True)
    assert f'href="/admin/requests/{public_id}"' in queue and "The site has not answered" in queue
    assert "The site has not answered" in admin.get(f"/admin/requests/{public_id}").get_data(as_text=True)

    with app.app_context():
        db.session.execute(
            update(ContactRequest)
            .where(ContactRequest.public_id == public_id)
            .values(first_response_at=MONDAY + timedelta(days=8))
        )
        db.session.commit()
    assert f'href="/admin/requests/{public_id}"' not in admin.get("/admin/requests/").get_data(as_text=True)


def test_the_fallback_offer_is_in_the_language_the_patient_used(
    app: Flask, flagstaff: int, tmp_path: Path
) -> None:
    from flask_babel import force_locale, gettext

    import_other_trial(app, tmp_path)
    public_id = submit(app, flagstaff, details=replace(PATIENT, ui_locale="es", language=None))
    run(app, MONDAY + timedelta(days=9))
    [offer] = mail_of_kind(app, "contact_fallback")
    line = (
        "You can also ask somewhere else. We will not send your details anywhere unless you open a link below and "
        "say yes."
    )
    with app.test_request_context(), force_locale("es"):
        spanish = gettext(line)
    assert spanish != line
    text = " ".join(offer.body_text.split())
    assert spanish in text and line not in text
    # Its links open the offer and the status pages in Spanish too.
    links = re.findall(r"https://trials\.example\.org/requests/\S+", offer.body_text)
    assert links and all(link.endswith("?lang=es") for link in links)
    assert stored(app, public_id) is not None
