"""The phone queue: every request the portal team must pass on to its site by phone, and what each call achieved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.models import ContactRequest, Site, Trial
from portal.models.audit import ContactRequestEvent
from portal.models.base import utcnow
from portal.models.contact import OUTCOME_NOT_REACHED, PHONE_OUTCOMES, PHONE_UNANSWERED
from portal.models.user import User
from portal.site import audit

MAX_CALL_NOTE = 2000
QUEUE_LIMIT = 200


class PhoneOutcomeError(ValueError):
    """An outcome that cannot be recorded as given."""


@dataclass(frozen=True)
class PhoneNumber:
    """A number to call from the registry record, with whom it reaches ("Dr Ana Ruiz", "central contact")."""

    number: str
    extension: str | None
    name: str | None


@dataclass(frozen=True)
class QueueRow:
    request: ContactRequest
    reason: str  # one of portal.models.contact's PHONE_* reasons
    site_phones: list[PhoneNumber]
    central_phones: list[PhoneNumber]


def _numbers(contacts: list[dict[str, Any]] | None) -> list[PhoneNumber]:
    seen: set[tuple[str, str | None]] = set()
    numbers = []
    for contact in contacts or []:
        number = (contact.get("phone") or "").strip()
        extension = (contact.get("phone_ext") or "").strip() or None
        if number and (number, extension) not in seen:
            seen.add((number, extension))
            numbers.append(PhoneNumber(number, extension, contact.get("name")))
    return numbers


def _needs_call() -> ColumnElement[bool]:
    """Why a request is in the queue. Add a reason here as one more clause of the `or_`."""
    return or_(
        # no_email or bounced: stored on the request when it was routed or refused
        ContactRequest.phone_reason.is_not(None),
    )


def phone_queue_query() -> Select[tuple[ContactRequest]]:
    """Requests waiting for the portal team's call: in the queue for a reason, not withdrawn, and no call has
    passed them on or found the site is not taking part ("could not reach" keeps them here). Oldest first."""
    return (
        select(ContactRequest)
        .where(
            _needs_call(),
            ContactRequest.status != "withdrawn",
            or_(ContactRequest.phone_outcome.is_(None), ContactRequest.phone_outcome == OUTCOME_NOT_REACHED),
        )
        .options(
            selectinload(ContactRequest.trial),
            selectinload(ContactRequest.site),
        )
        .order_by(ContactRequest.created_at, ContactRequest.id)
    )


def queue_reason(contact: ContactRequest) -> str:
    """The reason a request is in the queue: the stored one, else it went unanswered."""
    return contact.phone_reason or PHONE_UNANSWERED


def queue_row(contact: ContactRequest) -> QueueRow:
    """The site's numbers from the record: its own contacts first, then the trial's central contacts."""
    site: Site | None = contact.site
    trial: Trial = contact.trial
    return QueueRow(
        request=contact,
        reason=queue_reason(contact),
        site_phones=_numbers(site.contacts if site else None),
        central_phones=_numbers(trial.central_contacts),
    )


def phone_queue(session: Session, limit: int = QUEUE_LIMIT) -> list[QueueRow]:
    """The queue's rows, oldest request first."""
    return [queue_row(contact) for contact in session.scalars(phone_queue_query().limit(limit))]


def queue_size(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(phone_queue_query().order_by(None).subquery())) or 0


def record_phone_outcome(
    session: Session, user: User, contact: ContactRequest, outcome: str, note: str, now: datetime | None = None
) -> None:
    """What the call to the site achieved, with the caller's note; kept in the request's history. Flushes."""
    now = now or utcnow()
    note = (note or "").strip()
    if outcome not in PHONE_OUTCOMES:
        raise PhoneOutcomeError("unknown outcome")
    if not note or len(note) > MAX_CALL_NOTE:
        raise PhoneOutcomeError("a note is needed")
    contact.phone_outcome = outcome
    contact.phone_outcome_at = now
    contact.updated_at = now
    session.add(
        ContactRequestEvent(
            contact_request_id=contact.id,
            user_id=user.id,
            created_at=now,
            kind="phone call",
            new_status=outcome,
            note=note,
        )
    )
    audit.record(session, user, audit.PHONE_OUTCOME, [contact.id], outcome, now)
    session.flush()
