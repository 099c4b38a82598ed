"""The sync as a periodic job of the mail workers, in a thread of its own so the outbox sweep goes on meanwhile."""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.mail.scheduler import register_periodic_job
from portal.sync.services import SyncBusy, sync_trials

log = logging.getLogger(__name__)

THREAD_NAME = "ctgov-sync"


def run_scheduled_sync(app: Flask) -> None:
    """One run, logged; a run elsewhere holding the lock is not an error (the lock keeps it to one at a time)."""
    with app.app_context():
        try:
            outcome = sync_trials()
        except SyncBusy as exc:
            log.info("scheduled sync skipped: %s", exc)
            return
        except Exception:
            log.exception("scheduled sync failed")
            return
        finally:
            db.session.remove()
    line = f"{outcome.pages} pages, {outcome.summary.line()}"
    if outcome.ok:
        log.info("scheduled sync run %s finished: %s", outcome.run_id, line)
    else:
        log.warning("scheduled sync run %s: %s (%s)", outcome.run_id, outcome.error or "records failed", line)


def _start(session: Session) -> None:
    if any(thread.name == THREAD_NAME and thread.is_alive() for thread in threading.enumerate()):
        return  # this worker's last run is still going
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    threading.Thread(target=run_scheduled_sync, args=(app,), name=THREAD_NAME, daemon=True).start()


def register_sync_runs(app: Flask) -> None:
    register_periodic_job(app, "ctgov-sync", app.config["CTGOV_SYNC_SECONDS"], _start)
