"""The demo portal for the page checks (screenshots, Lighthouse): a throwaway SQLite database with the 67 demo
trials, the FAQs and a staff user made with the app's own CLI and services, served by gunicorn on a free port."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchlib import CTGOV_DIR, REPO_ROOT, BenchError, app_env, free_port, run_flask, sqlite_url, stop_process, tail

STAFF_EMAIL = "ops@example.org"
STAFF_PASSWORD = "lantern orchard pebble drift"  # noqa: S105  (a throwaway demo user; 12+ characters)
STAFF_TRIAL = "NCT04012996"  # the staff user is a member of this trial's recruiting sites


@dataclass(frozen=True)
class DemoPortal:
    base_url: str
    staff_email: str = STAFF_EMAIL
    staff_password: str = STAFF_PASSWORD


def _add_staff_membership(env: dict[str, str]) -> None:
    """Make the admin a member of the trial's sites, through the operators' own service, so /site/ shows requests."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from sqlalchemy import select

        from portal import create_app
        from portal.admin.services import add_member
        from portal.extensions import db
        from portal.models import Trial

        app = create_app()
        with app.app_context():
            trial = db.session.scalar(select(Trial).where(Trial.nct_id == STAFF_TRIAL))
            if trial is None:
                raise BenchError(f"{STAFF_TRIAL} is not in the demo data")
            for site in trial.sites:
                if site.status == "RECRUITING":
                    add_member(db.session, site, STAFF_EMAIL)
            db.session.commit()
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def demo_portal(tmpdir: Path, *, staff: bool = True) -> Iterator[DemoPortal]:
    env = app_env(sqlite_url(tmpdir))
    env["OUTBOX_DELIVERY"] = "manual"  # emails stay in the outbox: nothing is sent anywhere
    env["PORTAL_BASE_URL"] = base = f"http://127.0.0.1:{free_port()}"
    run_flask(["db", "upgrade"], env)
    run_flask(["trials", "import", "--quiet", str(CTGOV_DIR)], env)
    run_flask(["faqs", "seed"], env)
    if staff:
        run_flask(["users", "create-admin", STAFF_EMAIL, "--name", "Ops", "--password", STAFF_PASSWORD], env)
        _add_staff_membership(env)
    log_path = tmpdir / "gunicorn.log"
    port = base.rsplit(":", 1)[1]
    with log_path.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise BenchError(f"gunicorn exited with {server.returncode}:\n{tail(log_path)}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310 (loopback)
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"the portal did not answer within 60 s:\n{tail(log_path)}")
            time.sleep(0.2)
        yield DemoPortal(base)
    finally:
        stop_process(server)
