"""Closing the loop on unanswered requests, from the mail workers' scheduler: one reminder to the site team after 2
working days without a first response; after 5, the request is escalated (the operators' phone queue lists it as
unanswered) and the patient gets one fallback offer.

Idempotent: each email carries a unique key in the outbox, so two workers, a restart or a second pass never write
it twice; `reminded_at` and `escalated_at` keep a pass from reading the same requests again. Time is a parameter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal.contact.offers import nearby_open_trials, next_nearest_site, offer_token
from portal.contact.status import status_url
from portal.database import OutboxRows, unit_of_work
from portal.geo.working_days import add_working_days
from portal.i18n import LANG_PARAMETER, tag
from portal.mail.outbox import add_email, delivery_key
from portal.mail.rendering import render_email
from portal.mail.scheduler import register_periodic_job
from portal.models import ContactRequest, OutboxEmail, Site
from portal.models.base import utcnow
from portal.models.contact import RECIPIENT_PORTAL_TEAM
from portal.urls import external_url

log = logging.getLogger(__name__)

REMIND_AFTER_WORKING_DAYS = 2
ESCALATE_AFTER_WORKING_DAYS = 5
BATCH = 200
REMINDER, FALLBACK_OFFER = "contact_reminder", "contact_fallback"


@dataclass
class FollowUpSummary:
    reminders: int = 0
    escalations: int = 0
    complete: bool = True  # False: the budget ran out, and the next pass goes on where this one stopped


def reminder_key(contact: ContactRequest) -> str:
    return f"{REMINDER}:{contact.public_id}"


def fallback_key(contact: ContactRequest) -> str:
    return f"{FALLBACK_OFFER}:{contact.public_id}"


def _waiting(lookback: datetime, latest: datetime) -> list[Any]:
    """Still new, no first response, not escalated, inside the look-back: the partial index's rows."""
    return [
        ContactRequest.first_response_at.is_(None),
        ContactRequest.escalated_at.is_(None),
        ContactRequest.status == "new",
        ContactRequest.created_at >= lookback,
        ContactRequest.created_at <= latest,
    ]


@dataclass
class Budget:
    """How many more emails this pass may write. The pass runs in the worker's sweep thread, which queues due mail
    between passes: a backlog (the day the feature is turned on, or after a long outage) is written over several
    passes, oldest first, rather than in one long one."""

    left: int


def _batches(
    session: Session,
    conditions: list[Any],
    handle: Callable[[ContactRequest, str | None], OutboxEmail | None],
    budget: Budget,
) -> OutboxRows:
    """Walk the matching requests oldest first, a batch per transaction (keyset paging, so requests not yet due
    are read once a pass); `handle` writes what is due and returns the new outbox row. Commits each batch; stops
    when the budget is spent (the rest waits for the next pass)."""
    written: OutboxRows = []
    after: tuple[datetime, int] | None = None
    while budget.left > 0:
        query = (
            select(ContactRequest, Site.country)
            .outerjoin(Site, Site.id == ContactRequest.site_id)
            .where(*conditions)
            .order_by(ContactRequest.created_at, ContactRequest.id)
            .limit(BATCH)
            # Another worker's pass skips the rows this one holds (PostgreSQL; SQLite writers take turns anyway).
            .with_for_update(of=ContactRequest, skip_locked=True)
            .options(selectinload(ContactRequest.trial), selectinload(ContactRequest.site))
        )
        if after is not None:
            query = query.where(
                or_(
                    ContactRequest.created_at > after[0],
                    and_(ContactRequest.created_at == after[0], ContactRequest.id > after[1]),
                )
            )
        with unit_of_work(session) as uow:
            rows = session.execute(query).tuples().all()
            batch: OutboxRows = []
            for contact, country in rows:
                if budget.left <= 0:
                    break
                row = handle(contact, country)
                if row is not None:
                    batch.append((row.id, delivery_key(0, None)))
                    budget.left -= 1
            uow.dispatch(batch)
        written.extend(batch)
        if len(rows) < BATCH:
            break
        last = rows[-1][0]
        after = (last.created_at, last.id)
    return written


def _add_once(session: Session, write: Callable[[], OutboxEmail]) -> OutboxEmail | None:
    """Write the email in a savepoint; None when its unique key is taken (written before, or by another worker)."""
    try:
        with session.begin_nested():
            row = write()
            session.flush()
    except IntegrityError:
        return None
    return row


def _context(contact: ContactRequest) -> dict[str, Any]:
    return {
        "contact": contact,
        "trial": contact.trial,
        "site": contact.site,
        "portal_name": current_app.config["PORTAL_NAME"],
        "portal_team_email": current_app.config["PORTAL_TEAM_EMAIL"],
        "trial_url": external_url("trials.detail", nct_id=contact.trial.nct_id),
    }


def send_reminders(session: Session, now: datetime, lookback: datetime, budget: Budget) -> int:
    """One reminder to the site team of each request with no first response 2 working days after it arrived."""
    count = 0

    def remind(contact: ContactRequest, country: str | None) -> OutboxEmail | None:
        nonlocal count
        if now < add_working_days(contact.created_at, REMIND_AFTER_WORKING_DAYS, country):
            return None
        context = _context(contact)
        context["request_url"] = external_url("site.request_page", public_id=contact.public_id)
        row = _add_once(
            session,
            lambda: add_email(
                session,
                kind=REMINDER,
                recipients=list(contact.recipients),
                email=render_email(REMINDER, **context),
                reply_to=current_app.config["PORTAL_TEAM_EMAIL"],
                contact_request_id=contact.id,
                unique_key=reminder_key(contact),
            ),
        )
        contact.reminded_at = now
        count += row is not None
        return row

    conditions = [
        *_waiting(lookback, now - timedelta(days=REMIND_AFTER_WORKING_DAYS)),
        ContactRequest.reminded_at.is_(None),
        # The portal team phones these sites: there is no site address to remind.
        ContactRequest.needs_phone_call.is_(False),
        or_(ContactRequest.recipient_kind.is_(None), ContactRequest.recipient_kind != RECIPIENT_PORTAL_TEAM),
    ]
    _batches(session, conditions, remind, budget)
    return count


def escalate_unanswered(session: Session, now: datetime, lookback: datetime, budget: Budget) -> int:
    """After 5 working days without a first response: escalate, and offer the patient other sites, once."""
    count = 0

    def escalate(contact: ContactRequest, country: str | None) -> OutboxEmail | None:
        nonlocal count
        if now < add_working_days(contact.created_at, ESCALATE_AFTER_WORKING_DAYS, country):
            return None
        contact.escalated_at = now
        count += 1
        if not contact.status_nonce:  # stored before status links: nothing to link the offers to
            return None
        return _add_once(session, lambda: _fallback_offer(session, contact))

    _batches(session, _waiting(lookback, now - timedelta(days=ESCALATE_AFTER_WORKING_DAYS)), escalate, budget)
    return count


def _language_of(contact: ContactRequest) -> dict[str, str]:
    """The link parameter that opens a page in the language the patient used (nothing for English)."""
    locale = contact.ui_locale or "en"
    return {} if locale == "en" else {LANG_PARAMETER: tag(locale)}


def _fallback_offer(session: Session, contact: ContactRequest) -> OutboxEmail:
    same_trial = next_nearest_site(session, contact)
    other_trials = nearby_open_trials(session, contact)
    context = _context(contact)
    context.update(
        status_url=status_url(contact),
        same_trial=same_trial,
        other_trials=other_trials,
        offer_url=lambda offer: external_url(
            "requests.offer_page", token=offer_token(contact, offer.site), **_language_of(contact)
        ),
        portal_team=contact.needs_phone_call or contact.recipient_kind == RECIPIENT_PORTAL_TEAM,
    )
    with force_locale(contact.ui_locale or "en"):  # the patient's email, in the language they used
        email = render_email(FALLBACK_OFFER, **context)
    return add_email(
        session,
        kind=FALLBACK_OFFER,
        recipients=[contact.email],
        email=email,
        reply_to=current_app.config["PORTAL_TEAM_EMAIL"],
        contact_request_id=contact.id,
        unique_key=fallback_key(contact),
    )


def run_follow_ups(session: Session, now: datetime | None = None) -> FollowUpSummary:
    """One pass: escalations first (a request past 5 working days gets no reminder as well), then reminders, up to
    FOLLOW_UP_MAX_EMAILS emails. Commits its batches; a batch job, never called inside a unit of work."""
    now = now or utcnow()
    lookback = now - timedelta(days=current_app.config["FOLLOW_UP_LOOKBACK_DAYS"])
    budget = Budget(current_app.config["FOLLOW_UP_MAX_EMAILS"])
    summary = FollowUpSummary()
    summary.escalations = escalate_unanswered(session, now, lookback, budget)
    summary.reminders = send_reminders(session, now, lookback, budget)
    summary.complete = budget.left > 0
    if summary.escalations or summary.reminders:
        log.info("follow-ups: %d escalated, %d reminders", summary.escalations, summary.reminders)
    return summary


def register_follow_ups(app: Flask) -> None:
    register_periodic_job(app, "contact follow-ups", app.config["FOLLOW_UP_RUN_SECONDS"], lambda s: run_follow_ups(s))
