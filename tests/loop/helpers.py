"""Requests made through the contact service at a chosen time, a second trial for the same condition near the first,
and reading what the follow-ups wrote."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from portal.contact.services import PatientDetails, submit_contact_request
from portal.extensions import db
from portal.models import ContactRequest, OutboxEmail, Site, Trial
from tests.conftest import DEMO_TRIALS, import_files

TRIAL = "NCT04012996"  # 33 recruiting US sites with contact emails; Symptomatic Cervical Disc Disease
OTHER_TRIAL = "NCT99000001"  # a copy of it under another id: an open trial for the same condition, at the same places
# Monday 23 November 2026, 10:00 UTC. Thursday 26 November is Thanksgiving, a US public holiday.
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PATIENT = PatientDetails(
    first_name="Ada",
    last_name="Lovelace",
    email="ada@example.org",
    phone="+13125550142",
    language="en",
    message="Mornings are best.",
)


def import_other_trial(app: Flask, tmp_path: Path) -> None:
    data = json.loads((DEMO_TRIALS / f"{TRIAL}.json").read_text())
    study = data["studies"][0] if "studies" in data else data
    study["protocolSection"]["identificationModule"]["nctId"] = OTHER_TRIAL
    study["protocolSection"]["identificationModule"]["briefTitle"] = "Another Neck Disc Study"
    path = tmp_path / f"{OTHER_TRIAL}.json"
    path.write_text(json.dumps(study))
    import_files(app, path)


def site_named(app: Flask, facility: str, nct_id: str = TRIAL) -> int:
    with app.app_context():
        site_id = db.session.scalar(
            select(Site.id).join(Trial).where(Trial.nct_id == nct_id, Site.facility == facility)
        )
        assert site_id is not None
        return site_id


def submit(app: Flask, site_id: int, when: datetime = MONDAY, details: PatientDetails = PATIENT) -> str:
    """A request as the contact form stores it, made at `when`; returns its public id. Its two emails count as
    sent (the tests here are about what comes after)."""
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site is not None
        submission = submit_contact_request(db.session, site.trial, site, details, now=when)
        for row in db.session.scalars(select(OutboxEmail)):
            row.status, row.sent_at = "sent", when
        db.session.commit()
        return submission.request.public_id


def stored(app: Flask, public_id: str) -> ContactRequest | None:
    with app.app_context():
        contact = db.session.scalar(select(ContactRequest).where(ContactRequest.public_id == public_id))
        if contact is not None:
            db.session.expunge(contact)
        return contact


def mail_of_kind(app: Flask, kind: str) -> list[OutboxEmail]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == kind).order_by(OutboxEmail.id)))
        for row in rows:
            db.session.expunge(row)
        return rows
