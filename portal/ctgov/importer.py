"""Upsert ClinicalTrials.gov studies by NCT ID, a batch at a time; a bad record is reported and leaves no trace."""

from __future__ import annotations

import gc
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from multiprocessing import get_context
from typing import Any, Protocol

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal.ctgov.batch import StoredTrial, carry_overrides, overrides_of, stored_trials, write_trials
from portal.ctgov.prepare import Prepared, prepare, prepare_batch, with_raw
from portal.ctgov.record import RecordError, SiteData, TrialData, content_hash, normalise_study
from portal.ctgov.sources import SourceRecord
from portal.models import Site, Trial, TrialCondition, TrialTerm
from portal.models.base import utcnow
from portal.models.plain_summary import PlainSummary, registry_summary_hash
from portal.models.search_index import document_for, index_trial
from portal.validation import UnstorableInput
from portal.vocabulary import OPEN_STATUSES, RECRUITING

# Records per batch: one lookup and one write per table each, and one commit on PostgreSQL (on SQLite a commit
# takes a few: _Commits). An API page is 1,000 records at most.
BATCH_SIZE = 500
# Batches between two runs of the cycle collector during an import. Each run walks every object still alive, the
# batch read ahead included (60 ms at 500 records, 7% of a fresh PostgreSQL import when run after every batch);
# the few cycles an import leaves can wait for 5,000 records.
COLLECT_EVERY = 10
# On SQLite a transaction takes batches until it has held the write lock this long, or has this many (_Commits).
SQLITE_COMMIT_SECONDS = 2.0
SQLITE_BATCHES_PER_COMMIT = 5
log = logging.getLogger(__name__)


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed

    def line(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {self.failed} failed"


def _site_columns(site: SiteData) -> dict[str, Any]:
    row = site.as_row()
    row.pop("site_key")
    return row


def _replace_conditions(session: Session, trial_id: int, conditions: list[str]) -> None:
    session.execute(delete(TrialCondition).where(TrialCondition.trial_id == trial_id))
    if conditions:
        session.execute(
            insert(TrialCondition),
            [
                {"trial_id": trial_id, "position": i, "name": name, "name_lower": name.casefold()}
                for i, name in enumerate(conditions)
            ],
        )


def _replace_terms(session: Session, trial_id: int, terms: dict[str, str]) -> None:
    session.execute(delete(TrialTerm).where(TrialTerm.trial_id == trial_id))
    if terms:
        session.execute(
            insert(TrialTerm),
            [{"trial_id": trial_id, "phrase": phrase, "origin": origin} for phrase, origin in terms.items()],
        )


def _sync_sites(session: Session, trial_id: int, sites: list[SiteData], is_new: bool) -> None:
    """Keep site rows (and their ids) stable across re-imports: update by key, add new, drop gone."""
    now = utcnow()
    existing: dict[str, int] = {}
    if not is_new:
        existing = dict(session.execute(select(Site.site_key, Site.id).where(Site.trial_id == trial_id)).all())
    incoming_keys = {site.site_key for site in sites}
    gone = [site_id for key, site_id in existing.items() if key not in incoming_keys]
    moved = overrides_of(session, gone).get(trial_id, {})
    if gone:
        session.execute(delete(Site).where(Site.id.in_(gone)))
    new_rows = [
        {**site.as_row(), "trial_id": trial_id, "created_at": now, "updated_at": now}
        for site in sites
        if site.site_key not in existing
    ]
    if new_rows:
        session.execute(insert(Site), new_rows)
    if moved:
        carry_overrides(session, trial_id, [row["site_key"] for row in new_rows], moved, now)
    changed = [
        {"id": existing[site.site_key], **_site_columns(site), "updated_at": now}
        for site in sites
        if site.site_key in existing
    ]
    if changed:
        session.execute(update(Site), changed)


def last_update_posted_on(self) -> date | None: ...


class _Dated(Protocol):
    @property
    def last_update_posted_on(self) -> date | None: ...


def is_older(incoming: TrialData, current: _Dated) -> bool:
    """True when the stored version is newer; a record with no update date never replaces a dated one."""
    new_date, old_date = incoming.last_update_posted_on, current.last_update_posted_on
    if old_date is None:
        return False
    return new_date is None or new_date < old_date


def upsert_trial(session: Session, data: TrialData) -> str:
    """Write one normalised study; returns "created", "updated" or "unchanged"."""
    trial = session.scalar(select(Trial).where(Trial.nct_id == data.nct_id))
    if trial is not None and (trial.content_hash == data.content_hash or is_older(data, trial)):
        return "unchanged"
    is_new = trial is None
    was_open = trial is not None and trial.overall_status in OPEN_STATUSES
    was_recruiting = trial is not None and trial.overall_status == RECRUITING
    old_summary = None if trial is None else trial.brief_summary
    if trial is None:
        trial = Trial(nct_id=data.nct_id)
        session.add(trial)
    for name, value in data.columns.items():
        setattr(trial, name, value)
    if (trial.overall_status in OPEN_STATUSES and not was_open) or (
        trial.overall_status == RECRUITING and not was_recruiting
    ):
        # First seen open, back to open, or newly recruiting: new for anyone waiting for such trials.
        trial.opened_at = utcnow()
    trial.raw = data.raw
    trial.content_hash = data.content_hash
    session.flush()
    if not is_new and trial.brief_summary != old_summary:
        flag_plain_summary(session, trial.id, trial.brief_summary)
    _replace_conditions(session, trial.id, data.conditions)
    _replace_terms(session, trial.id, data.terms)
    _sync_sites(session, trial.id, data.sites, is_new)
    index_trial(session, trial, document_for(data.columns, data.conditions))
    # Relationship collections loaded earlier would be stale after the bulk statements above.
    session.expire(trial, ["conditions", "sites"])
    return "created" if is_new else "updated"


def flag_plain_summary(session: Session, trial_id: int, brief_summary: str | None) -> None:
    """A plain-language summary written against another registry summary needs a person to read it again: it is
    flagged (and off the public page) until someone saves it. Text that was only re-wrapped hashes the same."""
    session.execute(
        update(PlainSummary)
        .where(
            PlainSummary.trial_id == trial_id,
            PlainSummary.registry_summary_hash != registry_summary_hash(brief_summary),
            PlainSummary.needs_review.is_(False),
        )
        # updated_at says when a person last wrote it; the flag is not an edit.
        .values(needs_review=True, flagged_at=utcnow(), updated_at=PlainSummary.updated_at)
        .execution_options(synchronize_session=False)
    )


@dataclass
class _Pending:
    """A record of the batch to write: its normalised study, the stored version it replaces, and where it came
    from (several records of one batch may be versions of the same trial)."""

    data: TrialData
    stored: StoredTrial | None
    records: list[tuple[SourceRecord, str]]  # the record and its label, for the one-at-a-time fallback
    outcomes: list[str]


def import_records(
    session: Session,
    files: Iterable[list[SourceRecord]],
    on_progress: Callable[[int], None] | None = None,
    *,
    workers: int = 0,
) -> ImportSummary:
    """Import every record; a bad one is reported and skipped, the rest go on.

    Records are taken BATCH_SIZE at a time: one query finds the stored versions, each record is read and checked
    in Python, and the new and changed trials are written in a few statements per table (`portal.ctgov.batch`),
    in a savepoint. If the database refuses the batch, it is written again one record at a time, each in its own
    savepoint, so only the bad record is lost. Commits after every batch (every few on SQLite: `_Commits`), on
    purpose: a bulk import of 500,000 studies must not be one transaction (its size, and the write lock SQLite
    would hold for all of it). So it is never called inside a unit of work; `portal.post_import` is what follows an
    import. `on_progress` hears the number of records of each batch once it is written. With `workers`, that many
    other processes read the records ahead of the writes (worth it for a big import: starting one costs about a
    second).
    """
    summary = ImportSummary()
    commits = _Commits(session)
    if workers <= 0:
        with _collector_between_batches():
            for number, (batch, prepared) in enumerate(_read_ahead(_batches(files), summary), start=1):
                _import_batch(session, batch, prepared, summary, commits, on_progress)
                if number % COLLECT_EVERY == 0:
                    gc.collect(1)
        commits.flush()
        return summary
    # The next batches are read in other processes while this one writes.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    try:
        ahead: deque[tuple[list[SourceRecord], Future[list[Prepared]]]] = deque()
        for batch in _batches(files):
            ahead.append((batch, pool.submit(prepare_batch, [r.study for r in batch if r.error is None])))
            if len(ahead) > workers:
                _import_prepared(session, *ahead.popleft(), summary, commits, on_progress)
        while ahead:
            _import_prepared(session, *ahead.popleft(), summary, commits, on_progress)
    finally:
        pool.shutdown(cancel_futures=True)
    commits.flush()
    return summary


class _Commits:
    """Commits after every batch on PostgreSQL; on SQLite, after the batch that brings the transaction to
    SQLITE_COMMIT_SECONDS or to SQLITE_BATCHES_PER_COMMIT batches.

    SQLite appends every page a transaction changed to its write-ahead log at each commit, and the index pages of
    sites, terms and the full-text index change in every batch: committing 500 records at a time wrote those pages
    again and again (a fresh import of 39,000 scale records wrote 8.1 GB for a 1.2 GB file; 3.9 GB in transactions
    of 2,500 records, and 557 against 802 records/s). The time limit keeps the write lock short enough for the
    web app's writes, which wait up to 5 s for it (busy_timeout, portal.database). PostgreSQL logs changes row by
    row and gains nothing from it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.grouped = session.get_bind().dialect.name == "sqlite"
        self.batches = 0
        self.started = time.monotonic()

    def batch_written(self) -> None:
        self.batches += 1
        if (
            not self.grouped
            or self.batches >= SQLITE_BATCHES_PER_COMMIT
            or time.monotonic() - self.started >= SQLITE_COMMIT_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        self.session.commit()
        self.batches = 0
        self.started = time.monotonic()


@contextmanager
def _collector_between_batches() -> Iterator[None]:
    """Python's cycle collector off while records are read and written, run on the young objects between batches.

    A batch holds thousands of parsed records alive at once, and every few hundred allocations the collector
    walks them again looking for cycles they do not have (they are freed by reference counting): that was 40% of
    a fresh import's time on SQLite and 20% on PostgreSQL (6,000 records: 757 against 1,293 records/s, and 600
    against 768). What is left over is collected every COLLECT_EVERY batches, and the collector is back on
    afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _prepare_next(
    batches: Iterator[list[SourceRecord]], read: bool
) -> tuple[list[SourceRecord], list[Prepared | None]] | None:
    batch = next(batches, None)
    if batch is None:
        return None
    return batch, [None if r.error is not None else prepare(r.study, read=read) for r in batch]


def _read_ahead(
    batches: Iterator[list[SourceRecord]], summary: ImportSummary
) -> Iterator[tuple[list[SourceRecord], list[Prepared | None]]]:
    """Each batch with its records hashed (and read in full), worked out in a thread while the caller writes the
    batch before: reading a file, hashing and normalising are Python, writing is mostly waiting for the database
    (PostgreSQL's server process, or SQLite's library, which lets go of the interpreter while it works), so the
    two overlap on a machine with two CPUs. Records are read in full ahead only while most records of the last
    batch were new or changed; when most were unchanged (a re-import of the same files), only their hashes are
    worked out ahead, and the few changed ones are read when they are written."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-read-ahead") as reader:
        done = summary.created + summary.updated + summary.unchanged + summary.failed
        written = summary.created + summary.updated
        ahead = reader.submit(_prepare_next, batches, True)
        while (item := ahead.result()) is not None:
            batch, prepared = item
            done_now = summary.created + summary.updated + summary.unchanged + summary.failed
            written_now = summary.created + summary.updated
            # The last batch's share of new and changed records decides how far the next one is read ahead.
            read = done_now == done or (written_now - written) * 2 >= done_now - done
            done, written = done_now, written_now
            ahead = reader.submit(_prepare_next, batches, read)
            yield batch, prepared


def _batches(files: Iterable[list[SourceRecord]]) -> Iterator[list[SourceRecord]]:
    batch: list[SourceRecord] = []
    for records in files:
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH_SIZE:
                yield batch
                batch = []
    if batch:
        yield batch


def _import_prepared(
    session: Session,
    records: list[SourceRecord],
    future: Future[list[Prepared]],
    summary: ImportSummary,
    commits: _Commits,
    on_progress: Callable[[int], None] | None,
) -> None:
    readable = iter(future.result())
    prepared = [None if r.error is not None else with_raw(next(readable), r.study) for r in records]
    _import_batch(session, records, prepared, summary, commits, on_progress)


def _import_batch(
    session: Session,
    records: list[SourceRecord],
    prepared: list[Prepared | None] | None,
    summary: ImportSummary,
    commits: _Commits,
    on_progress: Callable[[int], None] | None,
) -> None:
    if prepared is None:
        prepared = [None if r.error is not None else prepare(r.study, read=False) for r in records]
    peeked = [p.nct_id for p in prepared if p is not None and p.nct_id]
    # The newest version seen so far of each trial: the stored one, then this batch's, in record order.
    current: dict[str, StoredTrial | TrialData] = dict(stored_trials(session, peeked))
    stored = {nct_id: version for nct_id, version in current.items() if isinstance(version, StoredTrial)}
    pending: dict[str, _Pending] = {}
    for record, ready in zip(records, prepared, strict=True):
        if record.error is not None or ready is None:
            summary.failed += 1
            summary.errors.append(f"{record.where}: {record.error}")
            continue
        nct_id = ready.nct_id
        label = f"{record.where} ({nct_id})" if nct_id else record.where
        version = current.get(nct_id) if nct_id else None
        if version is not None and version.content_hash == ready.digest:
            summary.unchanged += 1  # the very same record: nothing to check or write
            continue
        if ready.data is None and ready.error is None:
            ready = prepare(record.study, read=True, first_look=ready)
        if ready.data is None:
            summary.failed += 1
            summary.errors.append(f"{label}: {ready.error}")
            continue
        data = ready.data
        if version is not None and is_older(data, version):
            summary.unchanged += 1
            continue
        current[data.nct_id] = data
        entry = pending.get(data.nct_id)
        outcome = "created" if stored.get(data.nct_id) is None and entry is None else "updated"
        if entry is None:
            pending[data.nct_id] = _Pending(data, stored.get(data.nct_id), [(record, label)], [outcome])
        else:
            entry.data = data
            entry.records.append((record, label))
            entry.outcomes.append(outcome)
    if pending:
        _write_pending(session, list(pending.values()), summary)
    commits.batch_written()
    if on_progress is not None:
        on_progress(len(records))


def _write_pending(session: Session, pending: list[_Pending], summary: ImportSummary) -> None:
    try:
        with session.begin_nested():
            for trial_id, brief_summary in write_trials(session, [(entry.data, entry.stored) for entry in pending]):
                flag_plain_summary(session, trial_id, brief_summary)
    except (UnstorableInput, SQLAlchemyError) as exc:
        log.info("the database refused a batch (%s); writing its records one at a time", type(exc).__name__)
        for entry in pending:
            for record, label in entry.records:
                _import_one(session, record, label, summary)
        return
    for entry in pending:
        for outcome in entry.outcomes:
            setattr(summary, outcome, getattr(summary, outcome) + 1)


def _import_one(session: Session, record: SourceRecord, label: str, summary: ImportSummary) -> None:
    """One record in its own savepoint: a record the database refuses leaves no trace."""
    try:
        data = normalise_study(record.study, content_hash(record.study))
        with session.begin_nested():
            outcome = upsert_trial(session, data)
    except (RecordError, UnstorableInput) as exc:
        summary.failed += 1
        summary.errors.append(f"{label}: {exc}")
        return
    except SQLAlchemyError as exc:
        summary.failed += 1
        cause = type(getattr(exc, "orig", None) or exc).__name__
        summary.errors.append(f"{label}: the database refused it ({cause})")
        return
    setattr(summary, outcome, getattr(summary, outcome) + 1)
