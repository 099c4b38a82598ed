"""Running the sync in the test process with a recorded sleep, and reading what it left."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import SyncRun, Trial
from portal.sync.services import SyncOutcome, sync_trials


def sync(sleeps: list[float] | None = None, **options: object) -> SyncOutcome:
    recorder = sleeps.append if sleeps is not None else (lambda _seconds: None)
    return sync_trials(db.session, sleep=recorder, **options)  # type: ignore[arg-type]


def trial_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Trial)) or 0


def runs() -> list[SyncRun]:
    db.session.expire_all()
    return list(db.session.scalars(select(SyncRun).order_by(SyncRun.id)))
