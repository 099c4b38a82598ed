"""The audit log: who viewed, exported or changed which request or plain summary. Read by operators, never edited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models.audit import AuditEvent
from portal.models.base import utcnow
from portal.models.user import User

VIEWED, EXPORTED, STATUS, NOTE, FIRST_RESPONSE = "viewed", "exported", "status changed", "note added", "first response"
# The portal team's phone call to a request's site ("passed on", "could not reach", "site not taking part").
PHONE_OUTCOME = "phone outcome"
# A trial's plain-language summary (no request: the detail names the trial).
SUMMARY_WRITTEN, SUMMARY_CHANGED = "plain summary written", "plain summary changed"


def record(
    session: Session,
    user: User,
    action: str,
    request_ids: Iterable[int | None],
    detail: str | None = None,
    now: datetime | None = None,
) -> None:
    """One row per request touched. The detail never holds patient details (statuses, counts, dates only)."""
    now = now or utcnow()
    for request_id in request_ids:
        session.add(
            AuditEvent(
                created_at=now,
                user_id=user.id,
                user_email=user.email,
                action=action,
                contact_request_id=request_id,
                detail=detail,
            )
        )


def recent_events(session: Session, limit: int = 200, before_id: int | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    return list(session.scalars(query))
