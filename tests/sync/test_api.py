"""The API client's parts on their own: the mirror's query, the update-date range, pacing, Retry-After, pages."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from portal.ctgov.api import (
    Pacer,
    PageUnreadable,
    QueryError,
    parse_page,
    parse_query,
    retry_after_seconds,
    since_filter,
)


def test_the_query_takes_the_api_search_parameters_only() -> None:
    assert parse_query("query.cond=lung+cancer&filter.overallStatus=RECRUITING") == [
        ("query.cond", "lung cancer"),
        ("filter.overallStatus", "RECRUITING"),
    ]
    assert parse_query("") == []
    for bad in ("pageSize=5", "fields=NCTId", "format=csv", "query.cond=x&pageToken=abc", "query.term=" + "a" * 2000):
        with pytest.raises(QueryError):
            parse_query(bad)


def test_an_incremental_run_adds_the_update_date_range_to_any_advanced_filter_given() -> None:
    since = date(2026, 12, 1)
    assert since_filter([("query.cond", "asthma")], None) == [("query.cond", "asthma")]
    assert since_filter([("query.cond", "asthma")], since) == [
        ("query.cond", "asthma"),
        ("filter.advanced", "AREA[LastUpdatePostDate]RANGE[2026-12-01,MAX]"),
    ]
    assert since_filter([("filter.advanced", "AREA[Phase]PHASE3")], since) == [
        ("filter.advanced", "(AREA[Phase]PHASE3) AND AREA[LastUpdatePostDate]RANGE[2026-12-01,MAX]"),
    ]


def test_requests_are_spaced_to_the_rate_per_minute() -> None:
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    pacer = Pacer(50, sleep, clock=lambda: now[0])
    for _ in range(4):
        pacer.wait()
    assert waits == pytest.approx([1.2, 1.2, 1.2])  # 50 a minute
    now[0] += 5  # a slow page: the next request need not wait
    pacer.wait()
    assert len(waits) == 3


def test_retry_after_is_read_as_seconds_or_as_a_date() -> None:
    now = datetime(2026, 12, 7, 5, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("30") == 30.0
    assert retry_after_seconds("Mon, 07 Dec 2026 05:02:00 GMT", now) == 120.0
    assert retry_after_seconds("Mon, 07 Dec 2026 04:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_a_page_is_read_into_records_with_its_token_total_and_latest_update() -> None:
    study = {"protocolSection": {"statusModule": {"lastUpdatePostDateStruct": {"date": "2026-11-30"}}}}
    older = {"protocolSection": {"statusModule": {"lastUpdatePostDateStruct": {"date": "2025-01-02"}}}}
    body = json.dumps({"studies": [older, study], "nextPageToken": "abc", "totalCount": 9}).encode()
    page = parse_page(body, 4)
    assert (page.number, page.next_token, page.total, page.latest_update) == (4, "abc", 9, date(2026, 11, 30))
    assert [record.where for record in page.records] == ["page 4: record 1", "page 4: record 2"]
    for bad, reason in [
        (body[:40], "page 2 is not valid JSON"),
        (b'{"error": "x"}', 'page 2 holds no {"studies": [...]} list'),
        (b'{"studies": [], "nextPageToken": 5}', "page 2 has a nextPageToken that is not text"),
        (b"\xff\xfe", "page 2 is not"),
    ]:
        with pytest.raises(PageUnreadable, match=reason.replace("[", r"\[").replace("{", r"\{")):
            parse_page(bad, 2)
