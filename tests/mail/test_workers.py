"""Real RQ worker processes on Redis: racing workers send once, a killed worker loses nothing, outages heal."""

from __future__ import annotations

import signal
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.mail.dispatch import QUEUE_NAME, deliver_email_job, enqueue_ids
from portal.mail.outbox import add_email, delivery_key
from portal.mail.rendering import RenderedEmail
from portal.models import ContactRequest, OutboxEmail
from portal.models.base import utcnow
from tests.conftest import SmtpServer, free_port
from tests.contact.helpers import TRIAL, post_contact
from tests.processes import REDIS_URL, Workers, wait_until


def count_status(app: Flask, status: str) -> int:
    with app.app_context():
        value = db.session.scalar(select(func.count()).where(OutboxEmail.status == status)) or 0
        db.session.remove()
        return value


def write_emails(app: Flask, count: int) -> list[int]:
    with app.app_context():
        rows = [
            add_email(
                db.session,
                kind="test",
                recipients=[f"person{i}@example.org"],
                email=RenderedEmail(f"Message {i}", f"Hello {i}", f"<p>Hello {i}</p>"),
            )
            for i in range(count)
        ]
        db.session.commit()
        ids = [row.id for row in rows]
        db.session.remove()
    return ids


def drained(app: Flask, redis_db: Redis, job_ids: list[str]) -> bool:
    """Every job has run, none is queued or running, and no row is waiting to be sent or being sent."""
    queue = Queue(QUEUE_NAME, connection=redis_db)
    jobs = Job.fetch_many(job_ids, connection=redis_db)
    return (
        all(job is not None and job.get_status() == JobStatus.FINISHED for job in jobs)
        and queue.count == 0
        and StartedJobRegistry(queue=queue).count == 0
        and count_status(app, "pending") == count_status(app, "sending") == 0
    )


def test_two_racing_workers_send_every_message_exactly_once(
    app: Flask, smtp_server: SmtpServer, workers: Workers, redis_db: Redis
) -> None:
    workers.start()
    workers.start()
    assert wait_until(lambda: all("Listening on mail" in log for log in workers.logs())), workers.logs()
    ids = write_emails(app, 30)
    deliveries = [(i, "first") for i in ids] + [(i, "again") for i in ids]
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "REDIS_URL", REDIS_URL)
        # Every message queued twice, as a retry and a sweep might both do: the claim must keep it single.
        assert enqueue_ids(app, deliveries) == 60

    # Wait for the duplicate jobs and the sweeps too, not only for the rows to say sent.
    job_ids = [f"outbox-{email_id}-{key}" for email_id, key in deliveries]
    assert wait_until(lambda: drained(app, redis_db, job_ids)), workers.logs()
    assert count_status(app, "sent") == 30

    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == sorted(f"Message {i}" for i in range(30))
    assert len({m["Message-ID"] for m in smtp_server.messages}) == 30
    logs = workers.logs()
    assert all("deliver_email_job" in log for log in logs), "both workers should have taken jobs"


def test_a_worker_killed_mid_send_loses_nothing(app: Flask, smtp_server: SmtpServer, workers: Workers) -> None:
    smtp_server.handler.stall_seconds = 30
    smtp_server.handler.data_reply = "451 4.3.0 stalled"  # the stalled attempt is never accepted
    write_emails(app, 1)
    doomed = workers.start()
    assert wait_until(lambda: count_status(app, "sending") == 1), workers.logs()
    assert wait_until(lambda: smtp_server.handler.data_started == 1), workers.logs()  # the server has the message
    doomed.send_signal(signal.SIGKILL)  # kill -9, mid-send
    doomed.wait()
    smtp_server.handler.stall_seconds = 0
    smtp_server.handler.data_reply = None

    workers.start()  # its sweep finds the row whose claim has expired
    assert wait_until(lambda: count_status(app, "sent") == 1, timeout=30), workers.logs()
    assert [m["Subject"] for m in smtp_server.messages] == ["Message 0"]


def test_redis_down_the_request_is_stored_and_sent_when_redis_returns(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, workers: Workers, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
        patch.setitem(app.config, "OUTBOX_DELIVERY", "rq")
        response = post_contact(client)
    assert response.status_code == 302
    assert count_status(app, "pending") == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ContactRequest)) == 1

    workers.start()  # Redis is back: the worker's sweep queues what is due
    assert wait_until(lambda: count_status(app, "sent") == 2), workers.logs()
    assert len(smtp_server.messages) == 2


def test_database_down_gives_a_clear_503_and_never_says_sent(app: Flask) -> None:
    broken = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://127.0.0.1:{free_port()}/nothing",
            "WTF_CSRF_ENABLED": False,
            # RATELIMIT_ENABLED stays on: the limiter is one shared object, and a second app created with limits
            # off would switch them off for every later test of the session app too.
            "OUTBOX_DELIVERY": "manual",
        }
    )
    client = broken.test_client()
    page = client.get(f"/trials/{TRIAL}")
    assert page.status_code == 503
    response = client.post(f"/trials/{TRIAL}/contact", data={"action": "send", "first_name": "Ann"})
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "have NOT been sent" in html
    assert "We have submitted" not in html


def test_a_worker_killed_between_starting_a_job_and_claiming_its_row_loses_no_mail(
    app: Flask, smtp_server: SmtpServer, workers: Workers, redis_db
) -> None:  # type: ignore[no-untyped-def]
    """RQ marks the job started, the worker dies before it claims the row: the row stays pending, and its job
    stays "started" until RQ's own clean-up minutes later. Past the claim lease the sweep queues it again."""
    [email_id] = write_emails(app, 1)
    job_id = f"outbox-{email_id}-{delivery_key(0, None)}"
    job = Job.create(deliver_email_job, args=(email_id,), id=job_id, connection=redis_db)
    job.started_at = utcnow() - timedelta(seconds=30)  # the workers' lease is 3 s
    job.save()
    job.set_status(JobStatus.STARTED)
    monkey_lease = {"OUTBOX_CLAIM_LEASE": timedelta(seconds=3), "REDIS_URL": REDIS_URL}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in monkey_lease.items():
            patch.setitem(app.config, key, value)
        fresh = Job.create(deliver_email_job, args=(0,), id="outbox-0-fresh", connection=redis_db)
        fresh.started_at = utcnow()
        fresh.save()
        fresh.set_status(JobStatus.STARTED)
        assert enqueue_ids(app, [(0, "fresh")]) == 0  # a job that has just started is left to its worker

    workers.start()  # its sweep finds the pending row, and the dead worker's job too old to wait for
    assert wait_until(lambda: count_status(app, "sent") == 1), workers.logs()
    assert [m["Subject"] for m in smtp_server.messages] == ["Message 0"]
