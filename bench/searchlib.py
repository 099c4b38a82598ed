"""Helpers for search_latency.py: the fixed query list, totals read from result pages, timed rounds of requests."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchlib import BenchError
from page_throughput import fetch

QUERIES = Path(__file__).with_name("search_queries.json")
GROUPS = {"keyword": "keyword only", "filters": "keyword + filters", "distance": "keyword + distance"}
# The total on an HTML page: a data-total attribute if the page has one, else a phrase in its text (tags removed):
# "1–20 of 1,234 trials", "1,234 trials found", "1 trial matches"; "No trials match" means 0.
_NUMBER = r"(\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+|\d+)"
DATA_TOTAL_RE = re.compile(r'data-total="\s*' + _NUMBER)
TEXT_TOTAL_RES = [
    re.compile(r"\bof\s+" + _NUMBER + r"\s+(?:matching\s+)?(?:trials|results|studies)\b", re.IGNORECASE),
    re.compile(_NUMBER + r"\s+(?:matching\s+)?(?:trials?|results?|stud(?:y|ies))\s+(?:found|match)", re.IGNORECASE),
]
NO_RESULTS_RE = re.compile(r"\bno\s+(?:matching\s+)?(?:trials|results|studies)\s+(?:found|match)", re.IGNORECASE)


@dataclass
class Query:
    group: str
    params: dict[str, Any]

    @property
    def path(self) -> str:
        return "?" + urlencode(self.params, doseq=True)

    @property
    def label(self) -> str:
        return " ".join(f"{k}={'+'.join(v) if isinstance(v, list) else v}" for k, v in self.params.items())


@dataclass
class QueryResult:
    query: Query
    status: int = 0
    total: int | None = None
    timings_ms: list[float] = field(default_factory=list)


def load_queries(path: Path) -> list[Query]:
    queries = [Query(item["group"], item["params"]) for item in json.loads(path.read_text())["queries"]]
    unknown = {q.group for q in queries} - set(GROUPS)
    if unknown:
        raise BenchError(f"{path}: unknown query groups {sorted(unknown)}")
    return queries


def parse_total(body: bytes, api: bool) -> int | None:
    """The number of matching trials on a result page or in an API answer; None when it cannot be found."""
    if api:
        try:
            data = json.loads(body)
        except ValueError:
            return None
        for holder in (data, *(v for v in data.values() if isinstance(v, dict))) if isinstance(data, dict) else ():
            if isinstance(holder.get("total"), int):
                return holder["total"]
        return None
    page = body.decode("utf-8", errors="replace")
    if match := DATA_TOTAL_RE.search(page):
        return int(re.sub(r"\D", "", match.group(1)))
    words = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    for pattern in TEXT_TOTAL_RES:
        if match := pattern.search(words):
            return int(re.sub(r"\D", "", match.group(1)))
    return 0 if NO_RESULTS_RE.search(words) else None


def timed_get(url: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    status, body, _ = fetch(url, timeout=120.0)
    return (time.perf_counter() - started) * 1000, status, body


def measure(base: str, queries: list[Query], runs: int, api: bool) -> list[QueryResult]:
    """Every query once per round, one request at a time; round 1 (cold caches, first plans) is not counted."""
    results = [QueryResult(q) for q in queries]
    for round_number in range(runs):
        for result in results:
            ms, status, body = timed_get(base + result.query.path)
            if round_number == 0:
                result.status, result.total = status, parse_total(body, api) if status == 200 else None
            elif status == 200:
                result.timings_ms.append(ms)
    return results


def fmt(ms: float | None) -> str:
    return "-" if ms is None else f"{ms:,.1f}"
