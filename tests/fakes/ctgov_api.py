"""A local stand-in for ClinicalTrials.gov's API v2 `GET /studies`, which tests and benchmarks cannot reach.

It serves the repository's own records (portal/demo_trials, tests/data/ctgov-bulk, read through
portal.ctgov.sources) with the API's paging (pageSize, pageToken, nextPageToken, countTotal), its
`filter.advanced=AREA[LastUpdatePostDate]RANGE[from,MAX]`, a few search parameters (query.cond, query.locn,
query.term, filter.overallStatus, filter.ids) and `sort=LastUpdatePostDate[:asc|:desc]`. A test can move a
record's LastUpdatePostDate, change it, and make the next requests fail the ways a real server does (HTTP 429 with
Retry-After, 503, a response that hangs, a body cut off mid-transfer, JSON cut short), or hold a page until told.
Use: `with CtgovStandIn.from_repository() as api: ... api.url ...`.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from portal.ctgov.sources import read_sources

REPO = Path(__file__).resolve().parents[2]
DEMO_TRIALS = REPO / "portal" / "demo_trials"
CTGOV_BULK = REPO / "tests" / "data" / "ctgov-bulk"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 10
KNOWN = {
    "format", "pageSize", "pageToken", "countTotal", "sort", "filter.advanced",
    "query.cond", "query.locn", "query.term", "filter.overallStatus", "filter.ids",
}  # fmt: skip
RANGE = re.compile(r"AREA\[LastUpdatePostDate\]RANGE\[(\d{4}-\d{2}-\d{2}|MIN),\s*(\d{4}-\d{2}-\d{2}|MAX)\]")


def nct_id_of(study: dict[str, Any]) -> str | None:
    return study.get("protocolSection", {}).get("identificationModule", {}).get("nctId")


def updated_on(study: dict[str, Any]) -> str:
    status = study.get("protocolSection", {}).get("statusModule", {})
    return status.get("lastUpdatePostDateStruct", {}).get("date") or "0000-00-00"


@cache
def _studies_in(folder: Path) -> tuple[dict[str, Any], ...]:
    """Each real study of a folder once (the first copy of an NCT ID), read once per process."""
    seen: dict[str, dict[str, Any]] = {}
    for records in read_sources([folder]):
        for record in records:
            if isinstance(record.study, dict) and (nct_id := nct_id_of(record.study)) and nct_id not in seen:
                seen[nct_id] = record.study
    return tuple(seen.values())


def repository_studies(bulk: bool = True) -> list[dict[str, Any]]:
    """The demo trials (67) and, with `bulk`, the bulk files' studies too (about 1,850 in all). Shared, so never
    change one in place: the stand-in copies a study before changing it."""
    studies = {nct_id_of(s): s for s in _studies_in(DEMO_TRIALS)}
    if bulk:
        for study in _studies_in(CTGOV_BULK):
            studies.setdefault(nct_id_of(study), study)
    return list(studies.values())


@dataclass
class Fault:
    """What the next matching request gets instead of its page."""

    kind: str  # "status", "hang", "cut" (body stops mid-transfer), "garbage" (a whole response of cut-short JSON)
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    page: int | None = None  # only a request for this page number (1-based); None: the next request
    times: int = 1


@dataclass
class Served:
    params: dict[str, str]
    page: int
    nct_ids: list[str]
    status: int
    user_agent: str


class CtgovStandIn:
    def __init__(self, studies: Iterable[dict[str, Any]]) -> None:
        self.studies: dict[str, dict[str, Any]] = {}
        for study in studies:
            nct_id = nct_id_of(study)
            if nct_id:
                self.studies[nct_id] = study
        self.version = 0  # moved by every change, so a cached selection is never stale
        self.selections: dict[tuple[object, ...], list[dict[str, Any]]] = {}
        self.faults: list[Fault] = []
        self.log: list[Served] = []
        self.held: dict[int, threading.Event] = {}
        self.reached: dict[int, threading.Event] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    @classmethod
    def from_repository(cls, bulk: bool = True, only: Callable[[dict[str, Any]], bool] | None = None) -> CtgovStandIn:
        return cls(s for s in repository_studies(bulk) if only is None or only(s))

    # --- what it serves ---------------------------------------------------------------------------------------
    def change(self, nct_id: str, updated: date | str, edit: Callable[[dict[str, Any]], None] | None = None) -> None:
        """Post a new version of a record: a copy, with its LastUpdatePostDate set and `edit` applied."""
        study = copy.deepcopy(self.studies[nct_id])
        status = study["protocolSection"].setdefault("statusModule", {})
        status["lastUpdatePostDateStruct"] = {"date": str(updated), "type": "ACTUAL"}
        if edit is not None:
            edit(study)
        with self.lock:
            self.studies[nct_id] = study
            self.version += 1
            self.selections.clear()

    def date_all(self, updated: date | str) -> None:
        """Give every record the same LastUpdatePostDate (a known watermark for a test)."""
        for nct_id in list(self.studies):
            self.change(nct_id, updated)

    def fail(self, kind: str, **options: Any) -> None:
        self.faults.append(Fault(kind, **options))

    def hold(self, page: int) -> tuple[threading.Event, threading.Event]:
        """The request for `page` waits until the first event is set; the second is set when it arrives."""
        self.held[page], self.reached[page] = threading.Event(), threading.Event()
        return self.held[page], self.reached[page]

    def served_ids(self) -> list[str]:
        return [nct_id for served in self.log if served.status == 200 for nct_id in served.nct_ids]

    # --- the server ---------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self.server is not None, "not started"
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v2"

    def start(self, port: int = 0) -> CtgovStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                try:
                    standin.handle(self)
                except (BrokenPipeError, ConnectionResetError):  # the client went away (killed, or timed out)
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="ctgov-standin", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for event in self.held.values():
            event.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> CtgovStandIn:
        return self.start() if self.server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- one request ----------------------------------------------------------------------------------------------
    def handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        agent = request.headers.get("User-Agent", "")
        if not parts.path.endswith("/studies"):
            return self._send(request, 404, {"error": "not found"}, params, 0, agent)
        unknown = sorted(set(params) - KNOWN)
        if unknown or params.get("format", "json") != "json":
            return self._send(request, 400, {"error": f"unknown parameters {unknown}"}, params, 0, agent)
        try:
            size = int(params.get("pageSize", DEFAULT_PAGE_SIZE))
            offset = int(params["pageToken"].removeprefix("o")) if "pageToken" in params else 0
        except ValueError:
            return self._send(request, 400, {"error": "bad pageSize or pageToken"}, params, 0, agent)
        if not 0 < size <= MAX_PAGE_SIZE:
            return self._send(request, 400, {"error": "pageSize must be 1 to 1000"}, params, 0, agent)
        number = offset // size + 1
        if number in self.reached:
            self.reached[number].set()
            self.held[number].wait(timeout=60)
        fault = self._take_fault(number)
        matches = self._select(params)
        chunk = matches[offset : offset + size]
        body: dict[str, Any] = {"studies": chunk}
        if params.get("countTotal") == "true":
            body["totalCount"] = len(matches)
        if offset + size < len(matches):
            body["nextPageToken"] = f"o{offset + size}"
        ids = [nct_id_of(s) or "" for s in chunk]
        if fault is None:
            return self._send(request, 200, body, params, number, agent, ids)
        if fault.kind == "status":
            return self._send(request, fault.status, {"error": "stand-in fault"}, params, number, agent, [], fault)
        if fault.kind == "hang":  # logged as it arrives, status 0: the client gives up before any answer
            self.log.append(Served(params, number, [], 0, agent))
            self.stopping.wait(fault.seconds)
            request.close_connection = True
            return None
        raw = json.dumps(body).encode()
        self.log.append(Served(params, number, ids, -1, agent))
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        if fault.kind == "garbage":  # a whole response whose JSON stops halfway
            raw = raw[: len(raw) // 2]
            request.send_header("Content-Length", str(len(raw)))
            request.end_headers()
            request.wfile.write(raw)
            return None
        request.send_header("Content-Length", str(len(raw)))  # "cut": promise it all, send half, hang up
        request.end_headers()
        request.wfile.write(raw[: len(raw) // 2])
        request.wfile.flush()
        request.close_connection = True
        return None

    def _take_fault(self, number: int) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.page is None or fault.page == number:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def _select(self, params: dict[str, str]) -> list[dict[str, Any]]:
        """The records a query matches, in order; kept between its pages (a benchmark serves 550,000)."""
        paging = {"pageToken", "countTotal", "pageSize", "format"}
        key = (self.version, *sorted((k, v) for k, v in params.items() if k not in paging))
        if (cached := self.selections.get(key)) is None:
            cached = self.selections[key] = self._matching(params)
        return cached

    def _matching(self, params: dict[str, str]) -> list[dict[str, Any]]:
        with self.lock:
            studies = list(self.studies.values())
        if match := RANGE.search(params.get("filter.advanced", "")):
            low, high = match.groups()
            studies = [s for s in studies if (low == "MIN" or updated_on(s) >= low)]
            studies = [s for s in studies if (high == "MAX" or updated_on(s) <= high)]
        if "filter.overallStatus" in params:
            wanted = set(params["filter.overallStatus"].upper().split(","))
            studies = [s for s in studies if _section(s, "statusModule").get("overallStatus") in wanted]
        if "filter.ids" in params:
            ids = set(params["filter.ids"].upper().split(","))
            studies = [s for s in studies if nct_id_of(s) in ids]
        if words := params.get("query.cond", "").casefold():
            studies = [s for s in studies if words in _condition_text(s)]
        if words := params.get("query.locn", "").casefold():
            studies = [s for s in studies if words in _location_text(s)]
        if words := params.get("query.term", "").casefold():
            studies = [s for s in studies if words in json.dumps(s).casefold()]
        sort = params.get("sort", "")
        if sort.startswith("LastUpdatePostDate"):
            studies.sort(key=lambda s: (updated_on(s), nct_id_of(s)), reverse=sort.endswith(":desc"))
        else:
            studies.sort(key=lambda s: nct_id_of(s) or "")
        return studies

    def _send(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        body: dict[str, Any],
        params: dict[str, str],
        number: int,
        agent: str,
        ids: list[str] | None = None,
        fault: Fault | None = None,
    ) -> None:
        self.log.append(Served(params, number, ids or [], status, agent))
        raw = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(raw)))
        for name, value in (fault.headers if fault else {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(raw)


def _section(study: dict[str, Any], name: str) -> dict[str, Any]:
    return study.get("protocolSection", {}).get(name, {}) or {}


def _condition_text(study: dict[str, Any]) -> str:
    conditions = _section(study, "conditionsModule")
    ident = _section(study, "identificationModule")
    parts = [*conditions.get("conditions", []), *conditions.get("keywords", []), ident.get("briefTitle", "")]
    return " | ".join(str(p) for p in parts).casefold()


def _location_text(study: dict[str, Any]) -> str:
    places = _section(study, "contactsLocationsModule").get("locations", [])
    fields = ("facility", "city", "state", "country")
    return " | ".join(str(place.get(f, "")) for place in places for f in fields).casefold()
