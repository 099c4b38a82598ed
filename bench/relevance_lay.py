"""Relevance of lay queries: MRR and recall@10, full text alone against hybrid (full text + meaning), on one database.

Imports every record in the repository (portal/demo_trials and tests/data/ctgov-bulk: 1,318 distinct trials with a
status; the importer refuses the partial-field exports) into
a throwaway database, computes their vectors with the real model (cached by text in --cache, so a second database
costs no embedding), then runs each query of bench/relevance_lay.json with any status (`filtered=1`, no status
ticked), 100 results, once with meaning off and once with it on. MRR: 1 / the rank of the first judged-relevant
trial (0 when none is in the first 100). recall@10: judged-relevant trials in the first 10, over min(10, judged).

    .venv/bin/python bench/relevance_lay.py
    .venv/bin/python bench/relevance_lay.py --database-url postgresql+psycopg://127.0.0.1:5432/bench_relevance
    .venv/bin/python bench/relevance_lay.py --empty-schema postgresql+psycopg://127.0.0.1:5432/test_h6

--empty-schema uses a PostgreSQL database you may not drop (a shared server): it empties its public schema first,
as the test suite does, and leaves the imported trials there.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchlib import REPO_ROOT, BenchError, drop_database_quietly, fresh_database, machine_line, print_table, redact
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from vectorcache import CachedEmbedder
from werkzeug.datastructures import MultiDict

from portal import create_app
from portal.ctgov.importer import import_records
from portal.ctgov.sources import expand_paths, read_sources
from portal.embeddings.model import default_model_path, default_tokenizer_path, load_embedder
from portal.embeddings.runtime import set_embedder
from portal.embeddings.store import embed_trials
from portal.extensions import db
from portal.search import semantic
from portal.search.service import parse_search_args, search_trials

JUDGEMENTS = Path(__file__).with_name("relevance_lay.json")
SOURCES = [REPO_ROOT / "portal" / "demo_trials", REPO_ROOT / "tests" / "data" / "ctgov-bulk"]


def empty_public_schema(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def scores(ranked: list[str], relevant: set[str]) -> tuple[float, float]:
    first = next((i for i, nct_id in enumerate(ranked, 1) if nct_id in relevant), None)
    mrr = 1.0 / first if first else 0.0
    recall = len(relevant & set(ranked[:10])) / min(10, len(relevant))
    return mrr, recall


def run(database_url: str, cache: Path, verbose: bool) -> int:
    logging.basicConfig(level=logging.WARNING)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "OUTBOX_DELIVERY": "manual", "TESTING": True})
    queries = json.loads(JUDGEMENTS.read_text())["queries"]
    with app.app_context():
        upgrade()
        summary = import_records(db.session, read_sources(expand_paths(SOURCES)))
        embedder = CachedEmbedder(load_embedder(default_model_path(), default_tokenizer_path()), cache)
        set_embedder(app, embedder)
        started = time.perf_counter()
        vectors = embed_trials(db.session, embedder)
        took = time.perf_counter() - started
        embedder.save()
        print(f"imported: {summary.line()}; {vectors.line()} in {took:,.1f} s", end="")
        if embedder.computed:
            per_thousand = embedder.seconds / embedder.computed * 1000
            print(
                f" (the model: {embedder.computed:,} texts in {embedder.seconds:,.1f} s, {per_thousand:,.0f} s / 1,000)"
            )
        else:
            print(" (every vector from the cache)")
        rows, totals = [], {"text": [0.0, 0.0], "hybrid": [0.0, 0.0]}
        for item in queries:
            relevant = set(item["relevant"])
            query, errors = parse_search_args(MultiDict({"q": item["query"], "filtered": "1"}))
            if errors:
                raise BenchError(f"{item['query']!r}: {errors}")
            query = replace(query, per_page=100)
            cells = [item["query"], str(len(relevant))]
            for mode in ("text", "hybrid"):
                app.config["SEMANTIC_SEARCH"] = mode == "hybrid"
                ranked = [hit.nct_id for hit in search_trials(db.session, query).hits]
                db.session.rollback()
                mrr, recall = scores(ranked, relevant)
                totals[mode][0] += mrr
                totals[mode][1] += recall
                cells += [f"{mrr:.2f}", f"{recall:.2f}"]
            rows.append(cells)
        if verbose:
            print_table(rows, ["query", "judged", "MRR text", "R@10 text", "MRR hybrid", "R@10 hybrid"])
        n = len(queries)
        print(f"\n{n} lay queries, {redact(database_url).split(':')[0]}, min similarity {semantic.MIN_SIMILARITY}")
        print_table(
            [[mode, f"{m / n:.3f}", f"{r / n:.3f}"] for mode, (m, r) in totals.items()],
            ["search", "MRR", "recall@10"],
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL database to recreate (its name must start with 'bench')")
    parser.add_argument("--empty-schema", metavar="URL", help="a PostgreSQL database whose public schema is emptied")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "portal-bench-vectors.npz")
    parser.add_argument("--min-similarity", type=float, help="override portal.search.semantic.MIN_SIMILARITY")
    parser.add_argument("--verbose", action="store_true", help="print every query's scores")
    args = parser.parse_args(argv)
    if args.min_similarity is not None:
        semantic.MIN_SIMILARITY = args.min_similarity
    print(f"relevance_lay  {machine_line()}")
    tmpdir = Path(tempfile.mkdtemp(prefix="bench-relevance-"))
    database_url = None
    try:
        if args.empty_schema:
            empty_public_schema(args.empty_schema)
            return run(args.empty_schema, args.cache, args.verbose)
        database_url = fresh_database(args.database_url, tmpdir)
        return run(database_url, args.cache, args.verbose)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        drop_database_quietly(database_url)
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
