"""`flask trials sync` against a local stand-in for ClinicalTrials.gov's API v2 serving the demo trials."""

from __future__ import annotations

import math
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal.extensions import db
from portal.models import SyncRun, Trial
from portal.models.sync_run import FAILED, FINISHED
from tests.fakes.ctgov_api import CtgovStandIn, updated_on
from tests.sync.conftest import PAGE_SIZE
from tests.sync.helpers import runs, sync, trial_count

CHANGED = ["NCT04012996", "NCT04600544", "NCT01213277"]
LATER = date(2026, 12, 5)


def test_a_full_run_imports_every_record_page_by_page_and_records_the_run(
    app_ctx: Flask, standin: CtgovStandIn
) -> None:
    total = len(standin.studies)
    outcome = sync()

    assert outcome.ok and outcome.pages == math.ceil(total / PAGE_SIZE)
    assert (outcome.summary.created, outcome.summary.failed) == (total, 0)
    assert trial_count() == total
    [run] = runs()
    latest = max(updated_on(s) for s in standin.studies.values())
    assert (run.status, run.lock, run.since, run.watermark.isoformat()) == (FINISHED, None, None, latest)
    assert (run.pages, run.created, run.updated, run.unchanged, run.failed) == (outcome.pages, total, 0, 0, 0)
    assert run.finished_at is not None and run.finished_at >= run.started_at and run.error is None
    first = standin.log[0]
    assert first.params == {
        "format": "json",
        "pageSize": str(PAGE_SIZE),
        "sort": "LastUpdatePostDate:asc",
        "countTotal": "true",
    }
    assert [s.params.get("pageToken") for s in standin.log[1:]] == [f"o{n}" for n in range(10, total, 10)]
    assert all("portal-team@localhost" in s.user_agent and "Trial Finder" in s.user_agent for s in standin.log)


def test_an_incremental_run_asks_only_for_records_updated_since_the_watermark(
    app_ctx: Flask, standin: CtgovStandIn
) -> None:
    first = sync()
    watermark = first.watermark
    assert watermark is not None
    standin.change(CHANGED[0], LATER, lambda s: s["protocolSection"]["identificationModule"].update(briefTitle="New"))
    for nct_id in CHANGED[1:]:
        standin.change(nct_id, LATER)
    standin.log.clear()

    second = sync()

    on_the_watermark = {n for n, s in standin.studies.items() if updated_on(s) == watermark.isoformat()}
    assert set(standin.served_ids()) == set(CHANGED) | on_the_watermark  # the range includes its first day
    ranges = {s.params["filter.advanced"] for s in standin.log}
    assert ranges == {f"AREA[LastUpdatePostDate]RANGE[{watermark.isoformat()},MAX]"}
    assert (second.summary.created, second.summary.updated, second.summary.failed) == (0, 3, 0)
    assert second.watermark == LATER
    assert db.session.scalar(select(Trial.brief_title).where(Trial.nct_id == CHANGED[0])) == "New"

    standin.log.clear()
    third = sync()  # nothing new: the same three are read again, and imported no second time
    assert set(standin.served_ids()) == set(CHANGED)
    assert (third.summary.created, third.summary.updated, third.summary.unchanged) == (0, 0, 3)
    assert [run.since for run in runs()] == [None, watermark, LATER]


def test_a_429_is_retried_after_the_time_it_asks_for(
    app_ctx: Flask, standin: CtgovStandIn, sleeps: list[float]
) -> None:
    standin.fail("status", status=429, headers={"Retry-After": "7"}, page=2)
    outcome = sync(sleeps)
    assert outcome.ok and trial_count() == len(standin.studies)
    assert 7.0 in sleeps  # honoured, not replaced by the (0.01 s) backoff
    assert [s.status for s in standin.log if s.page == 2] == [429, 200]


def test_a_503_is_retried_with_backoff(app_ctx: Flask, standin: CtgovStandIn, sleeps: list[float]) -> None:
    standin.fail("status", status=503, page=1, times=2)
    outcome = sync(sleeps)
    assert outcome.ok and trial_count() == len(standin.studies)
    assert [s.status for s in standin.log if s.page == 1] == [503, 503, 200]
    assert [s for s in sleeps if s >= 0.005] == [0.01, 0.02]  # the backoff, doubled (pacing waits are 1 ms)


def test_a_hanging_response_times_out_and_is_asked_again(app_ctx: Flask, standin: CtgovStandIn) -> None:
    standin.fail("hang", seconds=10, page=3)
    outcome = sync()
    assert outcome.ok and trial_count() == len(standin.studies)
    assert len([s for s in standin.log if s.page == 3]) == 2  # the one that hung (0.5 s timeout), then the answer


def test_a_body_cut_off_mid_transfer_is_fetched_again(app_ctx: Flask, standin: CtgovStandIn) -> None:
    standin.fail("cut", page=2)
    outcome = sync()
    assert outcome.ok and trial_count() == len(standin.studies)
    assert [s.status for s in standin.log if s.page == 2] == [-1, 200]


def test_a_page_that_does_not_parse_stops_the_run_which_resumes_there_later(
    app: Flask, runner: FlaskCliRunner, standin: CtgovStandIn
) -> None:
    standin.fail("garbage", page=3, times=99)
    stopped = runner.invoke(args=["trials", "sync"])

    assert stopped.exit_code == 1, stopped.output
    assert "error: page 1 is not valid JSON" not in stopped.output
    assert "page 3 is not valid JSON" in stopped.output and "Sync stopped" in stopped.output
    with app.app_context():
        [run] = runs()
        assert (run.status, run.lock, run.pages, run.created) == (FAILED, None, 2, 2 * PAGE_SIZE)
        assert "page 3 is not valid JSON" in (run.error or "") and run.next_page_token == "o20"
        assert trial_count() == 2 * PAGE_SIZE

    standin.faults.clear()
    standin.log.clear()
    resumed = runner.invoke(args=["trials", "sync"])

    assert resumed.exit_code == 0, resumed.output
    assert "Resuming the interrupted sync" in resumed.output
    assert standin.log[0].params.get("pageToken") == "o20"  # from the page that failed, not the first
    with app.app_context():
        assert trial_count() == len(standin.studies)
        assert sum(run.created for run in runs()) == len(standin.studies)


def test_a_registry_that_stays_down_fails_the_run_with_a_clear_message(
    app: Flask, runner: FlaskCliRunner, standin: CtgovStandIn
) -> None:
    standin.fail("status", status=503, page=2, times=99)
    result = runner.invoke(args=["trials", "sync"])
    assert result.exit_code == 1
    assert "page 2: the registry answered HTTP 503, 4 times; giving up" in result.output
    with app.app_context():
        [run] = runs()
        assert run.status == FAILED and "HTTP 503" in (run.error or "") and run.pages == 1
        assert run.next_page_token == "o10"


def test_a_record_the_importer_refuses_is_counted_and_the_exit_status_says_so(
    app: Flask, runner: FlaskCliRunner, standin: CtgovStandIn
) -> None:
    standin.change(CHANGED[0], LATER, lambda s: s["protocolSection"].pop("identificationModule"))
    result = runner.invoke(args=["trials", "sync"])
    assert result.exit_code == 1
    assert f"error: page {math.ceil(len(standin.studies) / PAGE_SIZE)}: record" in result.output
    with app.app_context():
        [run] = runs()
        assert run.failed == 1 and run.status == FINISHED and "1 records could not be imported" in (run.error or "")
        assert trial_count() == len(standin.studies) - 1


def test_a_subset_query_is_passed_to_the_api_and_the_command_line_overrides_it(
    app: Flask, runner: FlaskCliRunner, standin: CtgovStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "CTGOV_SYNC_QUERY", "filter.overallStatus=RECRUITING")
    result = runner.invoke(args=["trials", "sync"])
    assert result.exit_code == 0, result.output
    recruiting = {
        n for n, s in standin.studies.items() if s["protocolSection"]["statusModule"]["overallStatus"] == "RECRUITING"
    }
    assert 0 < len(recruiting) < len(standin.studies)
    with app.app_context():
        assert set(db.session.scalars(select(Trial.nct_id))) == recruiting
    assert {s.params["filter.overallStatus"] for s in standin.log} == {"RECRUITING"}

    standin.log.clear()
    result = runner.invoke(args=["trials", "sync", "--query", "query.cond=cancer&query.locn=Texas"])
    assert result.exit_code == 0, result.output
    assert {(s.params["query.cond"], s.params["query.locn"]) for s in standin.log} == {("cancer", "Texas")}
    assert "filter.overallStatus" not in standin.log[0].params and "filter.advanced" not in standin.log[0].params
    with app.app_context():
        queries = [run.query for run in runs()]
    assert queries == ["filter.overallStatus=RECRUITING", "query.cond=cancer&query.locn=Texas"]  # watermarks apart


def test_a_query_parameter_the_api_search_does_not_take_is_refused_before_any_request(
    app: Flask, runner: FlaskCliRunner, standin: CtgovStandIn
) -> None:
    result = runner.invoke(args=["trials", "sync", "--query", "fields=NCTId"])
    assert result.exit_code == 2
    assert "'fields' is not a search parameter of the API" in result.output
    assert standin.log == []
    with app.app_context():
        assert runs() == []


def test_the_watermark_does_not_move_past_records_that_are_not_committed(app_ctx: Flask, standin: CtgovStandIn) -> None:
    standin.fail("status", status=503, page=3, times=99)
    outcome = sync()
    assert outcome.error is not None
    [run] = runs()
    dates = sorted(updated_on(s) for s in standin.studies.values())
    assert run.watermark is not None and run.watermark.isoformat() == dates[2 * PAGE_SIZE - 1]
    uncommitted = set(dates[2 * PAGE_SIZE :])
    assert all(day >= run.watermark.isoformat() for day in uncommitted)


def test_the_sync_run_table_keeps_a_run_per_invocation(app_ctx: Flask, standin: CtgovStandIn) -> None:
    sync()
    sync()
    assert [(r.status, r.lock) for r in runs()] == [(FINISHED, None), (FINISHED, None)]
    assert db.session.scalar(select(SyncRun.pages).order_by(SyncRun.id.desc()).limit(1)) == 1
