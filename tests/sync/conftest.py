"""The sync against a local stand-in for ClinicalTrials.gov's API, with short timeouts and backoff."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import DEMO_TRIALS
from tests.fakes.ctgov_api import CtgovStandIn, nct_id_of
from tests.processes import redis_db, workers  # noqa: F401  (fixtures, registered by being imported here)

PAGE_SIZE = 10
# Three pages of real records (the demo trials', three of them changed by the tests), recruiting or not.
SERVED = {*sorted(p.stem for p in DEMO_TRIALS.glob("NCT*.json"))[:20], "NCT04012996", "NCT04600544", "NCT01213277"}


@pytest.fixture
def standin(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[CtgovStandIn]:
    """23 demo trials behind a local API v2, and the app pointed at it (10 records a page)."""
    with CtgovStandIn.from_repository(bulk=False, only=lambda study: nct_id_of(study) in SERVED) as api:
        for key, value in {
            "CTGOV_API_URL": api.url,
            "CTGOV_PAGE_SIZE": PAGE_SIZE,
            "CTGOV_REQUESTS_PER_MINUTE": 60_000,
            "CTGOV_TIMEOUT_SECONDS": 0.5,
            "CTGOV_RETRIES": 3,
            "CTGOV_BACKOFF_SECONDS": 0.01,
            "CTGOV_BACKOFF_MAX_SECONDS": 30.0,
        }.items():
            monkeypatch.setitem(app.config, key, value)
        # The glossary's matching takes 0.12 s a trial and has its own tests (tests/glossary); here only
        # test_post_import.py runs it, to show the sync's post-import step is the import's.
        monkeypatch.setattr("portal.post_import.refresh_glossary_matches", lambda session: None)
        yield api


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the client asked for (backoff, Retry-After, pacing), recorded instead of slept."""
    return []
