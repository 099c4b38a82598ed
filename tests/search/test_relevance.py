"""Relevance on the real records: patient-style queries, each with the trials it must find on the first page.

The queries live in relevance_queries.json; several rely on lay-term synonyms ("heart attack", "tooth decay",
"CAD"), whose notes say so. Every status is searched, so the list does not depend on which trials still recruit.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from werkzeug.datastructures import MultiDict

from portal.extensions import db
from portal.vocabulary import STATUS_LABELS
from tests.conftest import DEMO_TRIALS, import_files

QUERIES = json.loads((Path(__file__).parent / "relevance_queries.json").read_text(encoding="utf-8"))
FIRST_PAGE = 20


def test_the_query_list_is_big_enough_and_names_real_demo_trials() -> None:
    assert len(QUERIES) >= 30
    demo = {path.stem for path in DEMO_TRIALS.glob("NCT*.json")}
    for item in QUERIES:
        assert item["q"].strip() and len(item["q"]) <= 200, item
        assert item["must_find"] and set(item["must_find"]) <= demo, item
    assert sum("synonym" in item["note"] for item in QUERIES) >= 10


def test_every_query_finds_its_trials_on_the_first_page(app: Flask) -> None:
    # Imported here, not at the top: the rest of this file is about the list itself.
    from portal.search.service import parse_search_args, search_trials

    summary = import_files(app, DEMO_TRIALS)
    assert summary.failed == 0, summary.errors
    misses: list[str] = []
    with app.app_context():
        for item in QUERIES:
            args = MultiDict([("q", item["q"]), *(("status", code) for code in STATUS_LABELS)])
            query, errors = parse_search_args(args)
            assert not errors, (item["q"], errors)
            page = search_trials(db.session, query)
            found = [hit.nct_id for hit in page.hits[:FIRST_PAGE]]
            missing = [nct_id for nct_id in item["must_find"] if nct_id not in found]
            if missing:
                misses.append(f"{item['q']!r} missed {missing} ({page.total} results; {item['note']})")
        db.session.remove()
    assert not misses, "\n".join(misses)
