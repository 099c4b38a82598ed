"""End to end: a real RQ worker process runs the follow-ups on its schedule and delivers a reminder over real SMTP,
once, and not again after the worker restarts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from flask import Flask

from portal.geo.working_days import add_working_days
from portal.models.base import utcnow
from tests.conftest import SmtpServer
from tests.loop.helpers import PATIENT, TRIAL, site_named, submit
from tests.processes import Workers, wait_until


def due_for_a_reminder_only(now: datetime) -> datetime:
    """A time a request could have arrived so that its 2 working days are over now, and its 5 are not."""
    created = now - timedelta(hours=1)
    while not add_working_days(created, 2, "United States") <= now:
        created -= timedelta(hours=1)
    assert now < add_working_days(created, 5, "United States")
    return created


def reminders(smtp: SmtpServer) -> list[str]:
    return [message["Subject"] for message in smtp.messages if message["Subject"].startswith("Reminder:")]


def test_the_worker_delivers_one_reminder_and_not_again_after_a_restart(
    app: Flask, import_demo, smtp_server: SmtpServer, workers: Workers
) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    flagstaff = site_named(app, "Flagstaff Bone and Joint")
    first = submit(app, flagstaff, when=due_for_a_reminder_only(utcnow()))
    workers.env["FOLLOW_UP_RUN_SECONDS"] = "1"
    workers.env["ALERTS_RUN_SECONDS"] = "0"
    workers.start()
    assert wait_until(lambda: len(reminders(smtp_server)) == 1), workers.logs()
    [message] = [m for m in smtp_server.messages if m["Subject"].startswith("Reminder:")]
    assert message["To"] == "c.nelson@flagstaffboneandjoint.com"
    assert "Flagstaff Bone and Joint" in message["Subject"]

    workers.stop()
    workers.start()
    # A second request, due now too: once its reminder arrives, the restarted worker has made a full pass.
    bea = replace(PATIENT, first_name="Bea", email="bea@example.org")
    second = submit(app, flagstaff, when=due_for_a_reminder_only(utcnow()), details=bea)
    assert wait_until(lambda: len(reminders(smtp_server)) == 2), workers.logs()
    # One reminder for each request: the first was not sent again.
    assert len(smtp_server.messages) == 2
    bodies = [message.get_body(("plain",)).get_content() for message in smtp_server.messages]
    assert first in bodies[0] and second in bodies[1]
