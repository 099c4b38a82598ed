"""Queries behind the trial pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, cast, func, literal_column, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from portal.models import Trial
from portal.models.base import JSONType
from portal.validation import is_nct_id


def get_trial(session: Session, nct_id: str) -> Trial | None:
    """A trial the public may see (an operator can hide one). Anything not shaped like an NCT ID finds nothing."""
    if not is_nct_id(nct_id):
        return None
    return session.scalar(select(Trial).where(Trial.nct_id == nct_id, Trial.hidden.is_(False)))


def _record_without_site_list(dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        path = literal_column("'{protocolSection,contactsLocationsModule,locations}'")
        # The record is kept as json text (migration 5b3c0f7d2a61): read into jsonb here, on the server.
        return func.jsonb_set(cast(Trial.raw, JSONB), path, literal_column("'[]'::jsonb"), False)
    if dialect == "sqlite":
        return func.json_replace(Trial.raw, "$.protocolSection.contactsLocationsModule.locations", func.json("[]"))
    return Trial.raw


def page_record(session: Session, trial: Trial) -> dict[str, Any]:
    """The record as imported (`trials.raw`), for the trial page, with its list of locations emptied by the
    database: the page reads the sites from their own table, and a 1,000-site trial's list is nine tenths of its
    record (370 KB of JSON to move and decode on every render). The module itself stays, so the page still knows
    whether the copy gives locations."""
    expression = type_coerce(_record_without_site_list(session.get_bind().dialect.name), JSONType)
    return session.scalar(select(expression).where(Trial.id == trial.id)) or {}


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Trial.overall_status, func.count()).where(Trial.hidden.is_(False)).group_by(Trial.overall_status)
    )
    return {status: count for status, count in rows.tuples()}
