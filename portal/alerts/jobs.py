"""The alert run as a periodic job of the mail workers (weekly digests fall due with time, not with imports)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from portal.alerts.notices import run_alerts
from portal.mail.scheduler import register_periodic_job


def _run(session: Session) -> None:
    run_alerts(session, dispatch=False)  # the worker's own sweep queues what it writes


def register_alert_runs(app: Flask) -> None:
    register_periodic_job(app, "alerts", app.config["ALERTS_RUN_SECONDS"], _run)
