"""Read ClinicalTrials.gov's API v2 (`GET /studies`) page by page, politely: paced, with timeouts and retries."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from portal import jsontext
from portal.ctgov.sources import SourceRecord

log = logging.getLogger(__name__)

# Only the API's own search parameters say what to mirror; paging, format and fields are the sync's to set.
QUERY_PREFIXES = ("query.", "filter.", "postFilter.")
QUERY_NAMES = ("aggFilters", "geoDecay")
# Oldest first, so that once a page is committed every record updated before its last date is in.
SORT = "LastUpdatePostDate:asc"
MAX_QUERY_LENGTH = 2000  # as sync_runs.query keeps it


class RegistryError(Exception):
    """ClinicalTrials.gov could not be read (after the retries), or refused the request."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PageUnreadable(RegistryError):
    """A page arrived whole but is not the API's JSON: recorded, and the run stops."""


class QueryError(ValueError):
    """The mirror's query names a parameter the API's search does not take, or one the sync sets itself."""


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ApiSettings:
    base_url: str
    user_agent: str
    requests_per_minute: int = 50
    timeout_seconds: float = 60.0
    retries: int = 6
    backoff_seconds: float = 2.0
    backoff_max_seconds: float = 300.0


@dataclass(frozen=True)
class Page:
    number: int  # 1 for the first page this client fetched
    records: list[SourceRecord]
    next_token: str | None  # absent on the last page
    total: int | None  # how many studies match, when asked for (the first page)
    latest_update: date | None  # the latest LastUpdatePostDate on the page


def parse_query(text: str) -> list[tuple[str, str]]:
    """`query.cond=asthma&filter.overallStatus=RECRUITING` as pairs; QueryError for anything else."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"the query is longer than {MAX_QUERY_LENGTH} characters")
    pairs = parse_qsl(text.strip().lstrip("?"), keep_blank_values=False, strict_parsing=False)
    for name, _value in pairs:
        if not (name.startswith(QUERY_PREFIXES) or name in QUERY_NAMES):
            raise QueryError(
                f"{name!r} is not a search parameter of the API; use query.*, filter.*, postFilter.*, aggFilters "
                "or geoDecay (paging, format and fields are set by the sync)"
            )
    return pairs


def since_filter(pairs: list[tuple[str, str]], since: date | None) -> list[tuple[str, str]]:
    """The query, narrowed to records last updated on or after `since` (joined to any filter.advanced given)."""
    if since is None:
        return list(pairs)
    area = f"AREA[LastUpdatePostDate]RANGE[{since.isoformat()},MAX]"
    given = [value for name, value in pairs if name == "filter.advanced"]
    rest = [(name, value) for name, value in pairs if name != "filter.advanced"]
    advanced = " AND ".join([*(f"({value})" for value in given), area]) if given else area
    return [*rest, ("filter.advanced", advanced)]


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def latest_update(studies: list[Any]) -> date | None:
    latest: date | None = None
    for study in studies:
        try:
            text = study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]
            posted = date.fromisoformat(text)
        except (KeyError, TypeError, ValueError):
            continue
        latest = posted if latest is None or posted > latest else latest
    return latest


def parse_page(body: bytes, number: int) -> Page:
    """One API response as records (each study is checked by the importer, as a file's would be)."""
    where = f"page {number}"
    try:
        data = jsontext.loads(body)
    except json.JSONDecodeError as exc:
        raise PageUnreadable(f"{where} is not valid JSON (line {exc.lineno}, column {exc.colno}): cut short?") from exc
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PageUnreadable(f"{where} is not readable JSON ({type(exc).__name__})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("studies"), list):
        raise PageUnreadable(f'{where} holds no {{"studies": [...]}} list')
    token = data.get("nextPageToken")
    if token is not None and (not isinstance(token, str) or not token):
        raise PageUnreadable(f"{where} has a nextPageToken that is not text")
    total = data.get("totalCount")
    studies = data["studies"]
    records = [SourceRecord(Path(where), i, study) for i, study in enumerate(studies)]
    return Page(number, records, token, total if isinstance(total, int) else None, latest_update(studies))


class Pacer:
    """At most `per_minute` requests a minute, spaced evenly (retries count too)."""

    def __init__(
        self, per_minute: int, sleep: Callable[[float], None], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = 60.0 / per_minute
        self.sleep = sleep
        self.clock = clock
        self.next_at: float | None = None

    def wait(self) -> None:
        now = self.clock()
        if self.next_at is not None and now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


class StudiesClient:
    """`GET {base_url}/studies`, following nextPageToken. `sleep` and `clock` are parameters so tests need not wait."""

    def __init__(
        self,
        settings: ApiSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.sleep = sleep
        self.pacer = Pacer(settings.requests_per_minute, sleep, clock)
        self.http = httpx.Client(
            base_url=settings.base_url,
            headers={"User-Agent": settings.user_agent, "Accept": "application/json"},
            timeout=httpx.Timeout(settings.timeout_seconds),
        )

    def __enter__(self) -> StudiesClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def pages(
        self, query: list[tuple[str, str]], since: date | None, page_size: int, token: str | None = None
    ) -> Iterator[Page]:
        """Every page of the query's records updated since `since`, from `token` on (a resumed run's place)."""
        params = [*since_filter(query, since), ("format", "json"), ("pageSize", str(page_size)), ("sort", SORT)]
        number = 0
        while True:
            number += 1
            paging = [("pageToken", token)] if token else [("countTotal", "true")]
            page = parse_page(self.get([*params, *paging], number), number)
            yield page
            if page.next_token is None:
                return
            token = page.next_token

    def get(self, params: list[tuple[str, str]], number: int) -> bytes:
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.retries + 1),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: isinstance(exc, _Retryable)),
            sleep=self.sleep,
            before_sleep=lambda state: log.warning(
                "ClinicalTrials.gov, page %s: %s; trying again (attempt %s)",
                number,
                state.outcome.exception() if state.outcome else "?",
                state.attempt_number + 1,
            ),
            reraise=True,
        )
        try:
            return retrying(self._get_once, params, number)
        except _Retryable as exc:
            raise RegistryError(f"page {number}: {exc}, {self.settings.retries + 1} times; giving up") from exc

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        ceiling = self.settings.backoff_max_seconds
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, ceiling)
        return min(self.settings.backoff_seconds * 2 ** (state.attempt_number - 1), ceiling)

    def _get_once(self, params: list[tuple[str, str]], number: int) -> bytes:
        self.pacer.wait()
        try:
            response = self.http.get("/studies", params=params)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"no answer within {self.settings.timeout_seconds:g} s") from exc
        except httpx.TransportError as exc:  # refused, reset, or the body cut short
            raise _Retryable(f"connection failed ({type(exc).__name__})") from exc
        status = response.status_code
        if status == 429 or status >= 500:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            raise _Retryable(f"the registry answered HTTP {status}", retry_after=wait)
        if status != 200:
            raise RegistryError(f"page {number}: the registry refused the request (HTTP {status})", status=status)
        return response.content
