"""Queries behind the trial pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session

from portal.models import Trial
from portal.models.base import JSONType
from portal.validation import is_nct_id


def get_trial(session: Session, nct_id: str) -> Trial | None:
    """A trial the public may see (an operator can hide one). Anything not shaped like an NCT ID finds nothing."""
    if not is_nct_id(nct_id):
        return None
    return session.scalar(select(Trial).where(Trial.nct_id == nct_id, Trial.hidden.is_(False)))


def page_record(session: Session, trial: Trial) -> dict[str, Any]:
    """The record as imported (`trials.raw`), for the trial page, with its list of locations emptied: the page reads
    the sites from their own table, and a 1,000-site trial's list is nine tenths of its record (370 KB of JSON to
    move and decode on every render). The module itself stays, so the page still knows whether the copy gives
    locations. SQLite empties it (json_replace, in C); PostgreSQL keeps the record as json text, which it would have
    to read into jsonb first (9 ms for the 1,148-site trial), so the text comes as it is and is read with orjson
    (the engine's JSON reader, 1 to 2 ms), and the list is dropped here."""
    if session.get_bind().dialect.name == "sqlite":
        path = "$.protocolSection.contactsLocationsModule.locations"
        trimmed = func.json_replace(Trial.raw, path, func.json("[]"))
        return session.scalar(select(type_coerce(trimmed, JSONType)).where(Trial.id == trial.id)) or {}
    record = session.scalar(select(Trial.raw).where(Trial.id == trial.id)) or {}
    module = record.get("protocolSection", {}).get("contactsLocationsModule")
    if isinstance(module, dict) and "locations" in module:
        module["locations"] = []
    return record


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Trial.overall_status, func.count()).where(Trial.hidden.is_(False)).group_by(Trial.overall_status)
    )
    return {status: count for status, count in rows.tuples()}
