"""Queries behind the trial pages."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Trial
from portal.validation import is_nct_id


def get_trial(session: Session, nct_id: str) -> Trial | None:
    """A trial the public may see (an operator can hide one). Anything not shaped like an NCT ID finds nothing."""
    if not is_nct_id(nct_id):
        return None
    return session.scalar(select(Trial).where(Trial.nct_id == nct_id, Trial.hidden.is_(False)))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Trial.overall_status, func.count()).where(Trial.hidden.is_(False)).group_by(Trial.overall_status)
    )
    return {status: count for status, count in rows.tuples()}
