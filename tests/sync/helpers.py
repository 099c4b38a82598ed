"""Running the sync in the test process with a recorded sleep, and reading what it left.

The sync writes through a session of its own: the test's session ends its transaction before and after, so it
reads what the sync committed (a read transaction on SQLite sees the database as it was when it began)."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import SyncRun, Trial
from portal.sync.services import SyncOutcome, sync_trials


def sync(sleeps: list[float] | None = None, **options: object) -> SyncOutcome:
    recorder = sleeps.append if sleeps is not None else (lambda _seconds: None)
    db.session.rollback()
    try:
        return sync_trials(sleep=recorder, **options)  # type: ignore[arg-type]
    finally:
        db.session.rollback()


def trial_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Trial)) or 0


def runs() -> list[SyncRun]:
    db.session.rollback()
    return list(db.session.scalars(select(SyncRun).order_by(SyncRun.id)))
