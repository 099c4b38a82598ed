"""Real mail workers run the sync on their schedule, one run at a time between them."""

from __future__ import annotations

from flask import Flask

from portal.extensions import db
from portal.models.sync_run import FINISHED
from tests.fakes.ctgov_api import CtgovStandIn
from tests.processes import Workers, wait_until
from tests.sync.conftest import PAGE_SIZE
from tests.sync.helpers import runs, trial_count


def test_two_workers_on_a_schedule_sync_once_between_them(app: Flask, standin: CtgovStandIn, workers: Workers) -> None:
    workers.env.update(
        CTGOV_SYNC_SECONDS="3600",
        CTGOV_API_URL=standin.url,
        CTGOV_PAGE_SIZE=str(PAGE_SIZE),
        CTGOV_REQUESTS_PER_MINUTE="60000",
        EMBED_AFTER_IMPORT="0",
    )
    workers.start()
    workers.start()

    def both_done() -> bool:
        text = "".join(workers.logs())
        return text.count("scheduled sync skipped") + text.count("scheduled sync run") >= 2

    assert wait_until(both_done, timeout=60), workers.logs()
    with app.app_context():
        done = runs()
        assert trial_count() == len(standin.studies), workers.logs()
        assert all(run.status == FINISHED for run in done) and 1 <= len(done) <= 2
        assert sum(run.created for run in done) == len(standin.studies)  # the second found nothing new, or waited
        db.session.remove()
