"""Purge old contact requests and erase a person: plain functions that flush; the caller commits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from portal.models import ContactRequest, OutboxEmail, Subscriber, SubscriberCondition, TrialAlert
from portal.models.audit import ContactRequestEvent
from portal.models.base import utcnow


def delete_requests(session: Session, request_ids: list[int]) -> dict[str, int]:
    """Requests with their history and their mail (sent or not: the bodies hold the person's details)."""
    if not request_ids:
        return {"contact_requests": 0, "contact_request_events": 0, "outbox_emails": 0}
    counts = {}
    for name, model, column in (
        ("contact_request_events", ContactRequestEvent, ContactRequestEvent.contact_request_id),
        ("outbox_emails", OutboxEmail, OutboxEmail.contact_request_id),
        ("contact_requests", ContactRequest, ContactRequest.id),
    ):
        total = 0
        for start in range(0, len(request_ids), 500):  # keep IN lists short
            chunk = request_ids[start : start + 500]
            result = session.execute(
                delete(model).where(column.in_(chunk)).execution_options(synchronize_session=False)
            )
            total += result.rowcount  # type: ignore[attr-defined]
        counts[name] = total
    return counts


def purge_old_requests(session: Session, older_than_days: int, now: datetime | None = None) -> dict[str, int]:
    """Delete contact requests received more than `older_than_days` ago, with their history and mail."""
    if older_than_days < 1:
        raise ValueError("the retention period must be at least one day")
    now = now or utcnow()
    cutoff = now - timedelta(days=older_than_days)
    ids = list(session.scalars(select(ContactRequest.id).where(ContactRequest.created_at < cutoff)))
    counts = delete_requests(session, ids)
    session.flush()
    return counts


def _requests_of(session: Session, email: str) -> dict[str, int]:
    ids = list(session.scalars(select(ContactRequest.id).where(func.lower(ContactRequest.email) == email)))
    counts = delete_requests(session, ids)
    return {
        "contact_requests": counts["contact_requests"],
        "request_history": counts["contact_request_events"],
        "request_emails": counts["outbox_emails"],
    }


def _mail_to(session: Session, email: str) -> dict[str, int]:
    """Any other outbox row addressed to the person (recipients is a JSON list: compared in Python, exactly)."""
    ids = [
        row_id
        for row_id, recipients in session.execute(select(OutboxEmail.id, OutboxEmail.recipients)).tuples()
        if any(str(r).strip().lower() == email for r in recipients or [])
    ]
    deleted = 0
    for start in range(0, len(ids), 500):
        result = session.execute(
            delete(OutboxEmail)
            .where(OutboxEmail.id.in_(ids[start : start + 500]))
            .execution_options(synchronize_session=False)
        )
        deleted += result.rowcount  # type: ignore[attr-defined]
    return {"other_emails": deleted}


def _subscription_of(session: Session, email: str) -> dict[str, int]:
    """Trial alerts: the subscriber, with their conditions, alerts and alert emails (foreign keys cascade)."""
    subscriber_id = session.scalar(select(Subscriber.id).where(Subscriber.email == email))
    if subscriber_id is None:
        return {"alert_subscriptions": 0, "alert_conditions": 0, "alerts": 0, "alert_emails": 0}
    counts = {
        "alert_subscriptions": 1,
        "alert_conditions": _count(session, SubscriberCondition.subscriber_id == subscriber_id),
        "alerts": _count(session, TrialAlert.subscriber_id == subscriber_id),
        "alert_emails": _count(session, OutboxEmail.subscriber_id == subscriber_id),
    }
    session.execute(delete(Subscriber).where(Subscriber.id == subscriber_id))
    return counts


def _count(session: Session, condition: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).where(condition)) or 0


# One step per place a person's details live. A new feature that stores an address adds its step here.
ERASE_STEPS: list[Callable[[Session, str], dict[str, int]]] = [_requests_of, _subscription_of, _mail_to]


def erase_person(session: Session, email: str) -> dict[str, int]:
    """Remove everything about one email address; returns how many rows each step removed. Flushes."""
    address = email.strip().lower()
    if not address or "@" not in address:
        raise ValueError("give an email address")
    report: dict[str, int] = {}
    for step in ERASE_STEPS:
        report.update(step(session, address))
    session.flush()
    return report
