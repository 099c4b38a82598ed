"""A patient withdraws their request from its status page: the site is told, then the request is erased as
`privacy erase` erases it (the request, its history and its mail)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.mail.outbox import add_email, delivery_key
from portal.mail.rendering import render_email
from portal.models import ContactRequest, OutboxEmail
from portal.privacy.services import delete_requests

WITHDRAWN = "contact_withdrawn"


def withdraw_request(session: Session, contact: ContactRequest) -> list[tuple[int, str]]:
    """Tell whoever received the request (if its email left at all), then erase it. Flushes; returns the outbox
    rows to dispatch after the commit.

    The notice carries no personal details (it outlives the request): the trial, the site, the day and the
    request's reference, which the first email showed.
    """
    was_sent = session.scalar(
        select(OutboxEmail.id).where(
            OutboxEmail.contact_request_id == contact.id,
            OutboxEmail.kind == "contact_site",
            OutboxEmail.sent_at.is_not(None),
        )
    )
    rows: list[tuple[int, str]] = []
    if was_sent is not None:
        notice = add_email(
            session,
            kind=WITHDRAWN,
            recipients=list(contact.recipients),
            email=render_email(
                WITHDRAWN,
                nct_id=contact.trial.nct_id,
                trial_title=contact.trial.brief_title,
                facility=contact.facility_name,
                sent_on=contact.created_at.strftime("%Y-%m-%d"),
                reference=contact.public_id,
            ),
            reply_to=current_app.config["PORTAL_TEAM_EMAIL"],
            unique_key=f"{WITHDRAWN}:{contact.public_id}",
        )
        session.flush()
        rows.append((notice.id, delivery_key(0, None)))
    delete_requests(session, [contact.id])
    session.flush()
    return rows
