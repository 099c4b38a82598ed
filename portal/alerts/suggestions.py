"""Condition names we know from imported trials, offered while a person types theirs."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from portal.models.trial import TrialCondition
from portal.trials.services import escape_like

MAX_SUGGESTIONS = 10


def known_conditions(session: Session, typed: str) -> list[str]:
    """Names that start with what was typed, or have a word that does; the most common first."""
    text = escape_like(typed.casefold())
    count = func.count(TrialCondition.id)
    rows = session.execute(
        select(func.min(TrialCondition.name), count)
        .where(
            or_(
                TrialCondition.name_lower.like(f"{text}%", escape="\\"),
                TrialCondition.name_lower.like(f"% {text}%", escape="\\"),
            )
        )
        .group_by(TrialCondition.name_lower)
        .order_by(count.desc(), TrialCondition.name_lower)
        .limit(MAX_SUGGESTIONS)
    )
    return [name for name, _count in rows.tuples()]
