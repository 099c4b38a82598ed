"""After a commit, get new outbox rows moving: RQ when Redis is configured, else a thread in this process."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import timedelta

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from portal.database import register_dispatch_hook
from portal.extensions import db
from portal.mail import outbox
from portal.models.base import utcnow

log = logging.getLogger(__name__)

QUEUE_NAME = "mail"
# After Redis fails, requests skip it for this long (the sweep sends their mail), so an outage costs a patient's
# request no connection timeout, and the log gets one warning per outage, not one per request.
REDIS_PAUSE_SECONDS = 5.0


def redis_connection(app: Flask) -> Redis:
    """One client per URL and app; short timeouts so a Redis outage never holds up a patient's request."""
    clients: dict[str, Redis] = app.extensions.setdefault("redis", {})
    url = app.config["REDIS_URL"]
    if url not in clients:
        clients[url] = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return clients[url]


def mail_queue(app: Flask) -> Queue:
    return Queue(QUEUE_NAME, connection=redis_connection(app))


def deliver_email_job(email_id: int) -> str | None:
    """The RQ job: claim and send one row. Runs inside the worker's app context."""
    try:
        outcome = outbox.deliver_one(db.session, email_id)
        return outcome.status if outcome else None
    finally:
        db.session.remove()


WAITING = {JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def _still_waiting(job: Job, lease: timedelta) -> bool:
    """A job for this delivery is queued, or running in a worker that may still claim the row.

    A worker killed after RQ marked the job started, but before it claimed the row, leaves the job "started" until
    RQ's own clean-up minutes later, and the row pending: past the claim lease such a job counts as dead and the
    delivery is queued again. The claim keeps the message single if the first worker was only slow.
    """
    status = job.get_status()
    if status == JobStatus.STARTED:
        return job.started_at is not None and utcnow() - job.started_at < lease
    return status in WAITING


def enqueue_ids(app: Flask, rows: Iterable[tuple[int, str]]) -> int:
    """Queue a job per (id, delivery key), unless a job for that same delivery is still waiting or running."""
    queue = mail_queue(app)
    lease = app.config["OUTBOX_CLAIM_LEASE"]
    count = 0
    for email_id, key in rows:
        job_id = f"outbox-{email_id}-{key}"
        try:
            if _still_waiting(Job.fetch(job_id, connection=queue.connection), lease):
                continue
        except NoSuchJobError:
            pass
        queue.enqueue(deliver_email_job, email_id, job_id=job_id, result_ttl=600, failure_ttl=86400)
        count += 1
    return count


class LocalDelivery:
    """Without Redis: one daemon thread per process sends due mail when woken, and sweeps every few seconds."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wake_up = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def started(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="outbox-delivery", daemon=True)
                self._thread.start()
        self.wake_up.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the current round and end the thread (tests and orderly shutdowns)."""
        self._stopping.set()
        self.wake_up.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None
        self._stopping.clear()

    def _run(self) -> None:
        interval = self.app.config["OUTBOX_SWEEP_SECONDS"]
        while not self._stopping.is_set():
            self.wake_up.wait(timeout=interval)
            self.wake_up.clear()
            if self._stopping.is_set():
                return
            with self.app.app_context():
                try:
                    outbox.deliver_due(db.session)
                except Exception:  # keep the thread alive through database hiccups; rows stay in the outbox
                    log.exception("outbox delivery round failed; will try again")
                finally:
                    db.session.remove()


class QueueHealth:
    """Whether this process last found Redis down, and since when."""

    def __init__(self) -> None:
        self.down_since: float | None = None
        self.paused_until = 0.0
        self._lock = threading.Lock()

    def should_try(self) -> bool:
        return time.monotonic() >= self.paused_until

    def failed(self, exc: Exception) -> None:
        with self._lock:
            self.paused_until = time.monotonic() + REDIS_PAUSE_SECONDS
            if self.down_since is None:
                self.down_since = time.monotonic()
                log.warning("could not queue mail (%s); the worker's sweep will send it", type(exc).__name__)

    def succeeded(self) -> None:
        with self._lock:
            if self.down_since is not None:
                log.info("mail queue reachable again after %.0f s", time.monotonic() - self.down_since)
            self.down_since = None


def dispatch_after_commit(new_rows: Iterable[tuple[int, str]]) -> None:
    """Called after the commit that wrote outbox rows (by `portal.database.unit_of_work`, as its dispatch hook).

    Never raises: the rows are safe in the database.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    mode = app.config["OUTBOX_DELIVERY"]
    if mode == "rq":
        health: QueueHealth = app.extensions.setdefault("mail_queue_health", QueueHealth())
        if not health.should_try():
            return
        try:
            enqueue_ids(app, new_rows)
        except RedisError as exc:
            health.failed(exc)
        else:
            health.succeeded()
    elif mode == "thread":
        app.extensions["local_delivery"].wake()


def init_dispatch(app: Flask) -> None:
    register_dispatch_hook(app, dispatch_after_commit)
    delivery = LocalDelivery(app)
    app.extensions["local_delivery"] = delivery
    if app.config["OUTBOX_DELIVERY"] != "thread":
        return

    @app.before_request
    def start_delivery_thread() -> None:
        # Started by the first request, not at import or app creation, so forking servers get one per worker;
        # its first round sends anything left from before a restart.
        if not delivery.started:
            delivery.wake()
