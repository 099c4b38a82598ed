"""Keep the trials in step with ClinicalTrials.gov: one run at a time, committed page by page, resumable."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.ctgov.api import ApiSettings, Page, RegistryError, StudiesClient, parse_query
from portal.ctgov.importer import ImportSummary, import_records
from portal.database import WRITE_OPTION
from portal.extensions import db
from portal.models.base import utcnow
from portal.models.sync_run import FAILED, FINISHED, LOCK, RUNNING, SyncRun
from portal.post_import import PostImport, post_import

log = logging.getLogger(__name__)

ERRORS_KEPT = 5  # record errors written into the run's row; the command prints them all


class SyncBusy(Exception):
    """Another sync holds the lock and is alive."""


@dataclass
class SyncOutcome:
    run_id: int
    resumed: bool  # it went on from an interrupted run's page
    since: date | None
    watermark: date | None
    pages: int = 0
    summary: ImportSummary = field(default_factory=ImportSummary)
    error: str | None = None
    after: PostImport | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.summary.failed == 0


def api_settings(config: dict[str, object]) -> ApiSettings:
    return ApiSettings(
        base_url=str(config["CTGOV_API_URL"]),
        user_agent=f"{config['PORTAL_NAME']} trial portal (mirror sync; contact {config['PORTAL_TEAM_EMAIL']})",
        requests_per_minute=int(config["CTGOV_REQUESTS_PER_MINUTE"]),  # type: ignore[call-overload]
        timeout_seconds=float(config["CTGOV_TIMEOUT_SECONDS"]),  # type: ignore[arg-type]
        retries=int(config["CTGOV_RETRIES"]),  # type: ignore[call-overload]
        backoff_seconds=float(config["CTGOV_BACKOFF_SECONDS"]),  # type: ignore[arg-type]
        backoff_max_seconds=float(config["CTGOV_BACKOFF_MAX_SECONDS"]),  # type: ignore[arg-type]
    )


def owner_name() -> str:
    return f"{socket.gethostname()} {os.getpid()}"


# The ids of the runs going on in this process (the command, or a worker's sync thread): a restarted container can
# be given the pid a killed run had, so a row naming this very process is alive only while it is one of these.
_RUNS_HERE: set[int] = set()


def _alive(run: SyncRun, lease: timedelta) -> bool:
    """A run on this host is alive while its process is; one elsewhere while it showed life within the lease."""
    host, _, pid = run.owner.rpartition(" ")
    if host == socket.gethostname() and pid.isdigit():
        if int(pid) == os.getpid():
            return run.id in _RUNS_HERE
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return utcnow() - run.heartbeat_at < lease


def last_watermark(session: Session, query: str) -> date | None:
    """Where the next run of this query starts: every record updated before it is committed."""
    return session.scalar(select(func.max(SyncRun.watermark)).where(SyncRun.query == query))


def _release_dead(session: Session, lease: timedelta) -> None:
    """Mark a run whose process died (kill -9, a lost machine) as interrupted, freeing the lock."""
    run = session.scalar(select(SyncRun).where(SyncRun.lock == LOCK))
    if run is None:
        return
    if _alive(run, lease):
        raise SyncBusy(
            f"sync run {run.id} is still running ({run.owner}, last page at {run.heartbeat_at:%Y-%m-%d %H:%M} UTC)"
        )
    freed = session.execute(
        update(SyncRun)
        .where(SyncRun.id == run.id, SyncRun.owner == run.owner, SyncRun.lock == LOCK)
        .values(lock=None, status=FAILED, finished_at=utcnow(), error="interrupted: its process ended mid-run")
        .execution_options(synchronize_session=False)
    )
    if freed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise SyncBusy("another process took over the interrupted sync run first")
    session.commit()
    log.warning("sync run %s was interrupted (%s); the next run goes on from its last page", run.id, run.owner)


def start_run(session: Session, query: str, *, full: bool, lease: timedelta) -> tuple[SyncRun, bool]:
    """Take the lock with a new run; it goes on from where the last run of this query stopped, if it stopped
    early. Commits. SyncBusy when a live run holds the lock."""
    _release_dead(session, lease)
    last = session.scalar(select(SyncRun).where(SyncRun.query == query).order_by(SyncRun.id.desc()).limit(1))
    resumed = not full and last is not None and last.status == FAILED and last.next_page_token is not None
    since = None if full else last_watermark(session, query)
    run = SyncRun(query=query, status=RUNNING, lock=LOCK, owner=owner_name(), since=since, watermark=since)
    if resumed and last is not None:
        run.since, run.watermark, run.next_page_token = last.since, last.watermark, last.next_page_token
    session.add(run)
    try:
        session.flush()
        _RUNS_HERE.add(run.id)  # before the row names this process to others
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise SyncBusy("another sync run took the lock first") from exc
    return run, resumed


def _record_page(session: Session, run: SyncRun, page: Page, summary: ImportSummary) -> date | None:
    """The page's counts, the place of the next page and the new watermark, committed; returns the watermark
    (read before the commit, so no transaction stays open while the next page downloads)."""
    run.pages += 1
    run.created += summary.created
    run.updated += summary.updated
    run.unchanged += summary.unchanged
    run.failed += summary.failed
    run.next_page_token = page.next_token
    if page.latest_update is not None and (run.watermark is None or page.latest_update > run.watermark):
        run.watermark = page.latest_update
    run.heartbeat_at = utcnow()
    watermark = run.watermark
    session.commit()
    return watermark


def _finish(session: Session, run: SyncRun, outcome: SyncOutcome) -> None:
    session.rollback()  # whatever a failure left half-done
    run.lock = None
    run.finished_at = utcnow()
    run.status = FAILED if outcome.error else FINISHED
    errors = outcome.summary.errors
    if outcome.error:
        run.error = outcome.error
    elif errors:
        shown = "\n".join(errors[:ERRORS_KEPT])
        more = f"\n… and {len(errors) - ERRORS_KEPT} more" if len(errors) > ERRORS_KEPT else ""
        run.error = f"{len(errors)} records could not be imported:\n{shown}{more}"
    session.commit()


@contextmanager
def sync_session() -> Iterator[Session]:
    """A session of the sync's own. On SQLite each of its transactions takes the write lock as it begins (BEGIN
    IMMEDIATE): the importer reads before it writes, and a commit by another process in between (a worker's alert
    run, a contact request) would otherwise refuse the write at once ("database is locked")."""
    engine = db.engine.execution_options(**{WRITE_OPTION: True})
    with Session(bind=engine) as session:
        yield session


def sync_trials(
    *,
    query: str | None = None,
    full: bool = False,
    on_page: Callable[[Page, ImportSummary, SyncOutcome], None] | None = None,
    on_start: Callable[[SyncOutcome], None] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> SyncOutcome:
    """Fetch what changed since the last run (everything with `full`), import it a page at a time, then run the
    post-import step. Never inside a unit of work: it commits after every page, so a killed run loses at most
    the page it was on. `query` overrides CTGOV_SYNC_QUERY for this run."""
    config = current_app.config
    text = config["CTGOV_SYNC_QUERY"] if query is None else query
    pairs = parse_query(text)
    lease = timedelta(seconds=config["CTGOV_SYNC_LEASE_SECONDS"])
    with sync_session() as session:
        run, resumed = start_run(session, text.strip(), full=full, lease=lease)
        run_id = run.id
        try:
            return _run(session, run, resumed, pairs, on_page, on_start, sleep)
        finally:
            _RUNS_HERE.discard(run_id)


def _run(
    session: Session,
    run: SyncRun,
    resumed: bool,
    pairs: list[tuple[str, str]],
    on_page: Callable[[Page, ImportSummary, SyncOutcome], None] | None,
    on_start: Callable[[SyncOutcome], None] | None,
    sleep: Callable[[float], None] | None,
) -> SyncOutcome:
    config = current_app.config
    outcome = SyncOutcome(run.id, resumed, run.since, run.watermark)
    client_options = {} if sleep is None else {"sleep": sleep}
    try:
        with StudiesClient(api_settings(config), **client_options) as client:
            if on_start is not None:
                on_start(outcome)
            _import_pages(session, client, run, pairs, outcome, on_page)
    except RegistryError as exc:
        outcome.error = str(exc)
    except BaseException as exc:
        outcome.error = f"stopped by {type(exc).__name__}"
        _finish(session, run, outcome)
        raise
    _finish(session, run, outcome)
    outcome.watermark = run.watermark
    # Whatever was committed gets fresh pages, statistics and alerts, even when the run stopped early.
    outcome.after = post_import(session, outcome.summary)
    return outcome


def _import_pages(
    session: Session,
    client: StudiesClient,
    run: SyncRun,
    pairs: list[tuple[str, str]],
    outcome: SyncOutcome,
    on_page: Callable[[Page, ImportSummary, SyncOutcome], None] | None,
) -> None:
    page_size = current_app.config["CTGOV_PAGE_SIZE"]
    token = run.next_page_token
    try:
        pages = client.pages(pairs, run.since, page_size, token)
        first = next(pages, None)
    except RegistryError as exc:
        if token is None or exc.status not in {400, 404}:
            raise
        # The interrupted run's page token has expired: start again from its watermark (re-read records are
        # unchanged, so nothing is imported twice).
        log.warning("the interrupted run's page token was refused; going on from its watermark %s", run.watermark)
        run.since, run.next_page_token = run.watermark, None
        session.commit()
        outcome.since = run.since
        pages = client.pages(pairs, run.since, page_size)
        first = next(pages, None)
    while first is not None:
        page, first = first, None
        summary = import_records(session, [page.records])  # commits
        outcome.watermark = _record_page(session, run, page, summary)
        _add(outcome.summary, summary)
        outcome.pages += 1
        if on_page is not None:
            on_page(page, summary, outcome)
        first = next(pages, None)


def _add(total: ImportSummary, part: ImportSummary) -> None:
    total.created += part.created
    total.updated += part.updated
    total.unchanged += part.unchanged
    total.failed += part.failed
    total.errors.extend(part.errors)
