"""Queries behind the trial pages."""

from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from portal.extensions import db
from portal.models import Trial, TrialCondition

MAX_CONDITION_QUERY = 200


@dataclass(frozen=True)
class TrialFilters:
    status: str | None = None
    condition: str | None = None


def get_trial(session: Session, nct_id: str) -> Trial | None:
    """A trial the public may see (an operator can hide one)."""
    return session.scalar(select(Trial).where(Trial.nct_id == nct_id, Trial.hidden.is_(False)))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered_trials(filters: TrialFilters):  # type: ignore[no-untyped-def]
    query = select(Trial).where(Trial.hidden.is_(False))
    if filters.status:
        query = query.where(Trial.overall_status == filters.status)
    if filters.condition:
        needle = f"%{escape_like(filters.condition.casefold())}%"
        query = query.where(
            exists().where(
                TrialCondition.trial_id == Trial.id,
                TrialCondition.name_lower.like(needle, escape="\\"),
            )
        )
    return query


def list_trials(filters: TrialFilters, page: int, per_page: int) -> Pagination:
    """Trials matching the filters, most recently updated first."""
    query = (
        filtered_trials(filters)
        .options(selectinload(Trial.conditions))
        .order_by(Trial.last_update_posted_on.desc().nulls_last(), Trial.nct_id)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Trial.overall_status, func.count()).where(Trial.hidden.is_(False)).group_by(Trial.overall_status)
    )
    return {status: count for status, count in rows.tuples()}
