"""One sync at a time across processes and hosts, and the workers' schedule (off unless CTGOV_SYNC_SECONDS)."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from portal.extensions import db
from portal.mail.scheduler import periodic_jobs
from portal.models import SyncRun
from portal.models.base import utcnow
from portal.models.sync_run import FAILED, FINISHED, LOCK
from portal.sync.jobs import THREAD_NAME, run_scheduled_sync
from tests.fakes.ctgov_api import CtgovStandIn
from tests.sync.helpers import runs, trial_count


def holding_run(app: Flask, owner: str, heartbeat_ago: timedelta = timedelta(0)) -> None:
    with app.app_context():
        db.session.add(SyncRun(query="", lock=LOCK, owner=owner, heartbeat_at=utcnow() - heartbeat_ago))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def live_process() -> Iterator[int]:
    """The pid of a process that is alive on this host (the one a running sync would name)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process.pid
    process.kill()
    process.wait()


def test_a_live_run_keeps_a_second_one_from_starting(
    app: Flask, runner: FlaskCliRunner, standin: CtgovStandIn, live_process: int
) -> None:
    holding_run(app, f"{socket.gethostname()} {live_process}")
    result = runner.invoke(args=["trials", "sync"])
    assert result.exit_code == 1
    assert "is still running" in result.output and "not started" in result.output
    assert standin.log == []


def test_a_run_naming_this_very_process_but_not_running_in_it_is_taken_over(
    app: Flask, runner: FlaskCliRunner, standin: CtgovStandIn
) -> None:
    """A restarted container's worker can get the pid the killed run had: that run is dead all the same."""
    holding_run(app, f"{socket.gethostname()} {os.getpid()}")
    result = runner.invoke(args=["trials", "sync"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert [(r.status, r.error) for r in runs()] == [
            (FAILED, "interrupted: its process ended mid-run"),
            (FINISHED, None),
        ]


def test_a_run_on_another_host_holds_the_lock_until_its_lease_runs_out(
    app: Flask, runner: FlaskCliRunner, standin: CtgovStandIn
) -> None:
    holding_run(app, "worker-2.example.org 4242", heartbeat_ago=timedelta(minutes=5))
    assert runner.invoke(args=["trials", "sync"]).exit_code == 1
    assert standin.log == []
    with app.app_context():
        db.session.execute(db.update(SyncRun).values(heartbeat_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    result = runner.invoke(args=["trials", "sync"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert [(r.status, r.lock) for r in runs()] == [(FAILED, None), (FINISHED, None)]
        assert trial_count() == len(standin.studies)


def test_the_schedule_is_off_at_zero(app: Flask) -> None:
    [job] = [job for job in periodic_jobs(app) if job.name == "ctgov-sync"]
    assert app.config["CTGOV_SYNC_SECONDS"] == 0
    assert not job.due(time.monotonic() + 10**9)


def test_the_scheduled_job_runs_the_sync_in_a_thread_of_the_worker(app: Flask, standin: CtgovStandIn) -> None:
    [job] = [job for job in periodic_jobs(app) if job.name == "ctgov-sync"]
    with app.app_context():
        job.run(db.session)
        job.run(db.session)  # due again while the first still runs: it is not started twice
        db.session.remove()
    threads = [t for t in threading.enumerate() if t.name == THREAD_NAME]
    assert len(threads) <= 1
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context():
        assert [r.status for r in runs()] == [FINISHED]
        assert trial_count() == len(standin.studies)


def test_a_scheduled_sync_skips_quietly_while_another_worker_runs_one(
    app: Flask, standin: CtgovStandIn, caplog: pytest.LogCaptureFixture, live_process: int
) -> None:
    caplog.set_level(logging.INFO, logger="portal.sync.jobs")
    holding_run(app, f"{socket.gethostname()} {live_process}")
    run_scheduled_sync(app)
    assert standin.log == []
    assert "scheduled sync skipped" in caplog.text
