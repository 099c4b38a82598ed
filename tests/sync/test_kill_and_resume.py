"""A real `flask trials sync` killed with SIGKILL mid-run; the next run goes on from its last committed page."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from flask import Flask

from portal.models.sync_run import FAILED, FINISHED, LOCK, RUNNING
from tests.conftest import REPO
from tests.fakes.ctgov_api import CtgovStandIn
from tests.sync.conftest import PAGE_SIZE
from tests.sync.helpers import runs, sync, trial_count


def sync_process(app: Flask, standin: CtgovStandIn, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "CTGOV_API_URL": standin.url,
        "CTGOV_PAGE_SIZE": str(PAGE_SIZE),
        "CTGOV_REQUESTS_PER_MINUTE": "60000",
        "OUTBOX_DELIVERY": "manual",
        "EMBED_AFTER_IMPORT": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "portal", "trials", "sync"],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def test_a_sync_killed_mid_run_resumes_from_its_last_committed_page_and_imports_nothing_twice(
    app_ctx: Flask, standin: CtgovStandIn, tmp_path: Path
) -> None:
    release, arrived = standin.hold(3)  # pages 1 and 2 are committed before page 3 is asked for
    process = sync_process(app_ctx, standin, tmp_path / "sync.log")
    try:
        assert arrived.wait(timeout=60), (tmp_path / "sync.log").read_text()
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        release.set()

    [killed] = runs()
    assert (killed.status, killed.lock, killed.pages, killed.next_page_token) == (RUNNING, LOCK, 2, "o20")
    assert killed.created == trial_count() == 2 * PAGE_SIZE
    standin.log.clear()

    outcome = sync()

    assert outcome.ok and outcome.resumed
    assert standin.log[0].params.get("pageToken") == "o20"  # page 3, not page 1 again
    assert outcome.summary.created == len(standin.studies) - 2 * PAGE_SIZE
    assert trial_count() == len(standin.studies)
    interrupted, resumed = runs()
    assert (interrupted.status, interrupted.lock, interrupted.error) == (
        FAILED,
        None,
        "interrupted: its process ended mid-run",
    )
    assert (resumed.status, resumed.lock, resumed.pages) == (FINISHED, None, 1)
    assert interrupted.created + resumed.created == len(standin.studies)
