"""The "In plain words" summary a trial's page shows: written by people, and only while it still matches the registry.

A summary flagged for review (a re-import changed the registry summary it explains) is not shown: it may now say
something the registry no longer does (another dose, another group of patients), and the registry's own summary is
on the page anyway. It comes back once someone has read it against the new text and saved it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import PlainSummary


def shown_plain_summary(session: Session, trial_id: int) -> PlainSummary | None:
    return session.scalar(
        select(PlainSummary)
        .where(PlainSummary.trial_id == trial_id, PlainSummary.needs_review.is_(False))
        .options(selectinload(PlainSummary.site))
    )
