"""Commands: `outbox status|retry|deliver`, `worker` and `mail-catcher`."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from redis.exceptions import RedisError
from rq import SimpleWorker
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from portal.database import unit_of_work
from portal.extensions import db
from portal.mail import outbox
from portal.mail.catcher import serve
from portal.mail.dispatch import enqueue_ids, mail_queue
from portal.mail.scheduler import periodic_jobs, run_due_jobs
from portal.models.outbox import FAILED, PARTIAL, PENDING, SENDING, SENT, OutboxEmail
from portal.urls import external_url

log = logging.getLogger(__name__)
WORKER_RESTART_SECONDS = 5
outbox_cli = AppGroup("outbox", help="See and retry the mail waiting in the outbox.")


@outbox_cli.command("status")
def status_command() -> None:
    """Count messages by status and list the failed and partly sent ones (no addresses or contents)."""
    counts = dict(
        db.session.execute(select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)).tuples().all()
    )
    for name in (PENDING, SENDING, SENT, PARTIAL, FAILED):
        click.echo(f"{name:8} {counts.get(name, 0)}")
    rows = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.status.in_((PARTIAL, FAILED))).order_by(OutboxEmail.id)
    )
    for row in rows:
        label = "partly sent" if row.status == PARTIAL else "failed"
        click.echo(f"{label} #{row.id} {row.kind}, {row.attempts} attempts, last error: {row.last_error}")
    if counts.get(PARTIAL):
        # Addresses stay off the terminal (and cron mail and logs); operators read them behind sign-in.
        click.echo(f"Who was refused, and the server's reply: {external_url('admin.outbox_page')}")


@outbox_cli.command("retry")
def retry_command() -> None:
    """Send failed messages again, starting now; a partly sent one only to the recipients who did not get it."""
    with unit_of_work():
        count = outbox.retry_failed(db.session)
    click.echo(f"{count} failed or partly sent messages queued again.")
    if current_app.config["OUTBOX_DELIVERY"] == "rq" and count:
        enqueue_ids(current_app._get_current_object(), outbox.due_ids(db.session))  # type: ignore[attr-defined]


@outbox_cli.command("deliver")
def deliver_command() -> None:
    """Send everything that is due now, in this process."""
    outcomes = outbox.deliver_due(db.session)
    sent = sum(1 for o in outcomes if o.status == SENT)
    partly = sum(1 for o in outcomes if o.status == PARTIAL)
    click.echo(f"{sent} sent, {partly} partly sent, {len(outcomes) - sent - partly} not sent.")


def _sweep_forever(app: Flask, stop: threading.Event) -> None:
    """Queue due rows every few seconds: retries, rows the web could not queue (Redis down), dead workers' rows."""
    interval = app.config["OUTBOX_SWEEP_SECONDS"]
    jobs = periodic_jobs(app)  # registered by the features (the alert runs, for one)
    while not stop.is_set():
        with app.app_context():
            try:
                run_due_jobs(db.session, jobs)
                enqueue_ids(app, outbox.due_ids(db.session))
            except (RedisError, SQLAlchemyError) as exc:
                db.session.rollback()
                log.warning("outbox sweep failed (%s); trying again in %ss", type(exc).__name__, interval)
            finally:
                db.session.remove()
        stop.wait(interval)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run an RQ worker for the mail queue (needs REDIS_URL). Start as many as you like."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["REDIS_URL"]:
        raise click.ClickException("REDIS_URL is not set: without Redis the web process delivers mail itself.")
    stop = threading.Event()
    sweeper = threading.Thread(target=_sweep_forever, args=(app, stop), name="outbox-sweep", daemon=True)
    sweeper.start()
    queue = mail_queue(app)
    try:
        while True:
            try:
                SimpleWorker([queue], connection=queue.connection).work(burst=burst, logging_level="INFO")
                return
            except RedisError as exc:
                # RQ quits on a Redis error it meets outside its wait for a job (recording a finished job, say).
                # The mail is safe in the outbox; start a fresh worker once Redis answers, rather than leave the
                # queue without one until a supervisor notices.
                if burst:
                    raise
                log.warning(
                    "mail queue unreachable (%s); the worker starts again in %ss",
                    type(exc).__name__,
                    WORKER_RESTART_SECONDS,
                )
                time.sleep(WORKER_RESTART_SECONDS)
    finally:
        stop.set()


@click.command("mail-catcher")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, show_default=True, type=int)
@click.option("--directory", default=None, help="Where to keep .eml files (default: instance/mail).")
@with_appcontext
def mail_catcher_command(host: str, port: int, directory: str | None) -> None:
    """Run a local SMTP server that saves every message as an .eml file, for development."""
    serve(Path(directory) if directory else Path(current_app.instance_path) / "mail", host, port)
