"""Write a batch of normalised studies in a few statements per table, not a few per trial.

The importer decides, record by record, what is new, changed or unchanged (`portal.ctgov.importer`); this module
writes the outcome: one executemany per table for the trials, their conditions, terms and sites, and one for the
search facts and full-text index. The per-trial side effects of `upsert_trial` are kept: `opened_at` when a trial
opens, the plain summary's review flag when the registry summary changed, site ids stable across re-imports (and
operator recipient overrides carried to a moved site), `updated_at` moved (the vectors' staleness test) and the
content hash written (the glossary's). The caller runs it in a savepoint and falls back to `upsert_trial` one
record at a time when the database refuses the batch.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from portal.ctgov.record import TrialData
from portal.jsontext import EncodedJSON
from portal.models import Site, SiteRecipientOverride, Trial, TrialCondition, TrialTerm
from portal.models.base import utcnow
from portal.models.bulk import in_values, insert_rows
from portal.models.search_index import IndexEntry, index_trials
from portal.models.trial import SEARCH_FACT_COLUMNS, phase_mask
from portal.vocabulary import OPEN_STATUSES, RECRUITING

log = logging.getLogger(__name__)

# Ids per IN (...) list: well under SQLite's and PostgreSQL's limits on bound parameters.
IN_CHUNK = 500

TRIALS: Table = Trial.__table__  # type: ignore[assignment]
SITES: Table = Site.__table__  # type: ignore[assignment]
# What a site row holds from the record, besides its key.
SITE_FIELDS = ("position", "facility", "city", "state", "zip", "country", "status", "latitude", "longitude", "contacts")
# PostgreSQL's sequence behind trials.id (a SERIAL column).
TRIAL_ID_SEQUENCE = "trials_id_seq"


@dataclass(frozen=True)
class StoredTrial:
    """What the importer needs of a trial already in the database."""

    id: int
    nct_id: str
    content_hash: str
    last_update_posted_on: date | None
    overall_status: str
    brief_summary: str | None
    hidden: bool
    opened_at: datetime | None


def chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def stored_trials(session: Session, nct_ids: Sequence[str]) -> dict[str, StoredTrial]:
    """The stored versions of these NCT IDs, in one query per IN_CHUNK ids."""
    found: dict[str, StoredTrial] = {}
    for part in chunks(sorted(set(nct_ids))):
        rows = session.execute(
            select(
                Trial.id,
                Trial.nct_id,
                Trial.content_hash,
                Trial.last_update_posted_on,
                Trial.overall_status,
                Trial.brief_summary,
                Trial.hidden,
                Trial.opened_at,
            ).where(in_values(session, Trial.nct_id, list(part)))
        )
        for row in rows.tuples():
            found[row[1]] = StoredTrial(*row)
    return found


def _opened_at(data: TrialData, stored: StoredTrial | None, now: datetime) -> datetime | None:
    """First seen open, back to open, or newly recruiting: new for anyone waiting for such trials."""
    status = data.columns["overall_status"]
    was_open = stored is not None and stored.overall_status in OPEN_STATUSES
    was_recruiting = stored is not None and stored.overall_status == RECRUITING
    if (status in OPEN_STATUSES and not was_open) or (status == RECRUITING and not was_recruiting):
        return now
    return None if stored is None else stored.opened_at


def _raw(data: TrialData) -> Any:
    """The record's copy as stored: the canonical JSON text its hash came from, when the reader kept it."""
    return EncodedJSON(data.raw_json) if data.raw_json is not None else data.raw


def write_trials(
    session: Session, plans: Sequence[tuple[TrialData, StoredTrial | None]]
) -> list[tuple[int, str | None]]:
    """Insert the new trials and rewrite the changed ones with everything that hangs off them; returns the id and
    new registry summary of each stored trial whose summary changed (its plain summary may need flagging)."""
    now = utcnow()
    new = [data for data, stored in plans if stored is None]
    changed = [(data, stored) for data, stored in plans if stored is not None]
    ids: dict[str, int] = {}
    if new:
        rows = [
            {
                **data.columns,
                "raw": _raw(data),
                "content_hash": data.content_hash,
                "opened_at": _opened_at(data, None, now),
                "hidden": False,
                "first_seen_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for data in new
        ]
        if session.get_bind().dialect.name == "postgresql":
            # The ids first, so the rows can go in by COPY (which returns nothing).
            numbers = session.scalars(
                text("SELECT nextval(:sequence) FROM generate_series(1, :n)"),
                {"sequence": TRIAL_ID_SEQUENCE, "n": len(rows)},
            )
            for row, trial_id in zip(rows, numbers, strict=True):
                row["id"] = trial_id
                ids[row["nct_id"]] = trial_id
            insert_rows(session, TRIALS, rows)
        else:
            insert_rows(session, TRIALS, rows)
            for part in chunks([data.nct_id for data in new]):
                query = select(Trial.nct_id, Trial.id).where(Trial.nct_id.in_(part))
                ids.update(session.execute(query).tuples().all())
    if changed:
        rows = [
            {
                **data.columns,
                "raw": _raw(data),
                "content_hash": data.content_hash,
                "opened_at": _opened_at(data, stored, now),
                "updated_at": now,
                "trial_pk": stored.id,
            }
            for data, stored in changed
        ]
        session.execute(update(TRIALS).where(TRIALS.c.id == bindparam("trial_pk")), rows)
        ids.update((stored.nct_id, stored.id) for _, stored in changed)
    changed_ids = [stored.id for _, stored in changed]
    _replace_conditions(session, ids, plans, changed_ids)
    _replace_terms(session, ids, plans, changed_ids)
    _write_sites(session, ids, plans, now)
    hidden = {stored.id: stored.hidden for _, stored in changed}
    entries = [_index_entry(data, ids[data.nct_id], hidden.get(ids[data.nct_id], False)) for data, _ in plans]
    index_trials(session, entries)
    return [
        (stored.id, data.columns["brief_summary"])
        for data, stored in changed
        if data.columns["brief_summary"] != stored.brief_summary
    ]


def _index_entry(data: TrialData, trial_id: int, hidden: bool) -> IndexEntry:
    facts = {name: data.columns[name] for name in SEARCH_FACT_COLUMNS if name != "hidden"}
    facts["hidden"] = hidden
    facts["phase_mask"] = phase_mask(data.columns["phases"])
    return IndexEntry(trial_id=trial_id, facts=facts, columns=data.columns, conditions=data.conditions)


def _replace_children(
    session: Session,
    model: type[TrialCondition] | type[TrialTerm],
    fields: tuple[str, ...],
    incoming: dict[int, list[dict[str, Any]]],
    changed: list[int],
) -> None:
    """Rewrite the rows of `model` of each trial whose rows differ from the incoming ones (compared on `fields`);
    a changed trial with the same conditions or terms as before keeps its rows untouched."""
    stored: dict[int, set[tuple[Any, ...]]] = defaultdict(set)
    columns = [model.trial_id, *(getattr(model, name) for name in fields)]
    for part in chunks(changed):
        for trial_id, *values in session.execute(select(*columns).where(model.trial_id.in_(part))):
            stored[trial_id].add(tuple(values))
    same = {
        trial_id
        for trial_id in changed
        if stored.get(trial_id, set()) == {tuple(row[name] for name in fields) for row in incoming.get(trial_id, [])}
    }
    for part in chunks([trial_id for trial_id in changed if trial_id not in same]):
        session.execute(delete(model).where(model.trial_id.in_(part)))
    rows = [row for trial_id, trial_rows in incoming.items() if trial_id not in same for row in trial_rows]
    insert_rows(session, model.__table__, rows)


def _replace_conditions(
    session: Session, ids: dict[str, int], plans: Sequence[tuple[TrialData, StoredTrial | None]], changed: list[int]
) -> None:
    incoming = {
        ids[data.nct_id]: [
            {"trial_id": ids[data.nct_id], "position": i, "name": name, "name_lower": name.casefold()}
            for i, name in enumerate(data.conditions)
        ]
        for data, _ in plans
    }
    _replace_children(session, TrialCondition, ("position", "name"), incoming, changed)


def _replace_terms(
    session: Session, ids: dict[str, int], plans: Sequence[tuple[TrialData, StoredTrial | None]], changed: list[int]
) -> None:
    incoming = {
        ids[data.nct_id]: [
            {"trial_id": ids[data.nct_id], "phrase": phrase, "origin": origin} for phrase, origin in data.terms.items()
        ]
        for data, _ in plans
    }
    _replace_children(session, TrialTerm, ("phrase", "origin"), incoming, changed)


def site_place(facility: str | None, city: str | None) -> tuple[str, str]:
    return ((facility or "").strip().casefold(), (city or "").strip().casefold())


def _write_sites(
    session: Session, ids: dict[str, int], plans: Sequence[tuple[TrialData, StoredTrial | None]], now: datetime
) -> None:
    """Keep site rows (and their ids) stable across re-imports: update by key the ones that changed (a new version
    of a trial mostly leaves its sites as they were), add new, drop gone."""
    changed_ids = [stored.id for _, stored in plans if stored is not None]
    existing: dict[int, dict[str, tuple[int, tuple[Any, ...]]]] = defaultdict(dict)
    columns = [Site.trial_id, Site.site_key, Site.id, *(getattr(Site, name) for name in SITE_FIELDS)]
    for part in chunks(changed_ids):
        for trial_id, key, site_id, *values in session.execute(select(*columns).where(Site.trial_id.in_(part))):
            existing[trial_id][key] = (site_id, tuple(values))
    new_rows: list[dict[str, Any]] = []
    new_keys: dict[int, list[str]] = defaultdict(list)
    updates: list[dict[str, Any]] = []
    gone: list[int] = []
    for data, _ in plans:
        trial_id = ids[data.nct_id]
        known = existing.get(trial_id, {})
        incoming = {site.site_key for site in data.sites}
        gone.extend(site_id for key, (site_id, _) in known.items() if key not in incoming)
        for site in data.sites:
            row = site.as_row()
            stored_site = known.get(site.site_key)
            if stored_site is None:
                new_rows.append({**row, "trial_id": trial_id, "created_at": now, "updated_at": now})
                new_keys[trial_id].append(site.site_key)
            elif tuple(row[name] for name in SITE_FIELDS) != stored_site[1]:
                row.pop("site_key")
                updates.append({**row, "updated_at": now, "site_pk": stored_site[0]})
    moved = overrides_of(session, gone)
    for part in chunks(gone):
        session.execute(delete(Site).where(Site.id.in_(part)))
    insert_rows(session, SITES, new_rows)
    if updates:
        session.execute(update(SITES).where(SITES.c.id == bindparam("site_pk")), updates)
    for trial_id, places in moved.items():
        carry_overrides(session, trial_id, new_keys.get(trial_id, []), places, now)


def overrides_of(session: Session, site_ids: list[int]) -> dict[int, dict[tuple[str, str], list[str]]]:
    """Operator recipient overrides of sites about to be dropped, by trial, facility and city."""
    found: dict[int, dict[tuple[str, str], list[str]]] = defaultdict(dict)
    for part in chunks(site_ids):
        rows = session.execute(
            select(Site.trial_id, Site.facility, Site.city, SiteRecipientOverride.emails)
            .join(SiteRecipientOverride, SiteRecipientOverride.site_id == Site.id)
            .where(Site.id.in_(part))
        )
        for trial_id, facility, city, emails in rows.tuples():
            found[trial_id][site_place(facility, city)] = list(emails)
    return found


def carry_overrides(
    session: Session, trial_id: int, new_keys: list[str], moved: dict[tuple[str, str], list[str]], now: datetime
) -> None:
    """A site whose address details changed comes back under a new key: give it the override it had."""
    for part in chunks(new_keys):
        query = select(Site.id, Site.facility, Site.city).where(Site.trial_id == trial_id, Site.site_key.in_(part))
        for site_id, facility, city in session.execute(query).tuples():
            emails = moved.pop(site_place(facility, city), None)
            if emails is not None:
                session.execute(
                    insert(SiteRecipientOverride),
                    [{"site_id": site_id, "emails": emails, "created_at": now, "updated_at": now}],
                )
    for facility, city in moved:
        log.warning(
            "trial %s: site %r in %r left the record; its recipient override was dropped", trial_id, facility, city
        )
