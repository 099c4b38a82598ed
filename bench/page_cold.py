"""An uncached trial page, in milliseconds, in a database of any size (the 1,148-site trial by default).

Imports the trial (portal/demo_trials) into the --existing database if it is not there, stores its glossary
matches (as the import's post-import step would), then renders GET /trials/<NCT ID> --runs times in this process
with Flask's test client, emptying the trial page cache (`FragmentCache`) before each request, so every request
reads the trial, its sites and the rest from the database and renders the whole page. The first request (cold
caches of the database and of Python) is shown apart. Matching by meaning is off (SEMANTIC_SEARCH=false), as in
search_latency.py. The target (issue 19): < 30 ms.

    .venv/bin/python bench/page_cold.py --existing postgresql+psycopg://127.0.0.1:5432/bench_big [--runs 30]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from datetime import datetime

from benchlib import CTGOV_DIR, load_average, machine_line, percentile, random_secret, redact

TARGET_MS = 30.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--existing", required=True, help="the database's URL (the trial is added if missing)")
    parser.add_argument("--nct-id", default="NCT04267848", help="a trial of portal/demo_trials")
    parser.add_argument("--runs", type=int, default=30, help="uncached requests after the first (default 30)")
    args = parser.parse_args()

    from sqlalchemy import func, select
    from sqlalchemy.orm import undefer

    from portal import create_app
    from portal.ctgov.importer import import_records
    from portal.ctgov.sources import read_sources
    from portal.extensions import db
    from portal.glossary.services import match_trial
    from portal.glossary.sources import glossary_version
    from portal.models import Site, Trial, TrialGlossaryMatch

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.existing,
            "PORTAL_ENV": "development",
            "SECRET_KEY": random_secret(),
            "RATELIMIT_ENABLED": False,
            "SEMANTIC_SEARCH": False,
        }
    )
    print(f"page_cold  {datetime.now().isoformat(timespec='seconds')}  {machine_line()}")
    with app.app_context():
        summary = import_records(db.session, read_sources([CTGOV_DIR / f"{args.nct_id}.json"]))
        trial = db.session.scalar(select(Trial).where(Trial.nct_id == args.nct_id).options(undefer(Trial.raw)))
        if trial is None:
            print(f"error: {args.nct_id} did not import: {summary.errors}", file=sys.stderr)
            return 2
        row = db.session.get(TrialGlossaryMatch, trial.id) or TrialGlossaryMatch(trial_id=trial.id)
        row.glossary_version, row.content_hash = glossary_version(), trial.content_hash
        row.matches = match_trial(trial).as_json()
        db.session.add(row)
        db.session.commit()
        trials = db.session.scalar(select(func.count()).select_from(Trial))
        sites = db.session.scalar(select(func.count()).select_from(Site).where(Site.trial_id == trial.id))
    print(f"database: {redact(args.existing)}, {trials:,} trials; {args.nct_id}: {sites:,} sites")

    client = app.test_client()
    cache = app.extensions["trial_page_cache"]
    gc.freeze()  # as wsgi.py does once the app is made
    timings: list[float] = []
    size = 0
    for _ in range(args.runs + 1):
        cache.clear()
        started = time.perf_counter()
        response = client.get(f"/trials/{args.nct_id}")
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            print(f"error: the page answered {response.status_code}", file=sys.stderr)
            return 2
        size = len(response.data)
    first, rest = timings[0], timings[1:]
    p95 = percentile(rest, 95)
    print(f"HTML {size / 1024:,.0f} KB; first request {first:.1f} ms")
    print(
        f"uncached, {len(rest)} requests: median {statistics.median(rest):.1f} ms, p95 {p95:.1f} ms, "
        f"min {min(rest):.1f} ms, max {max(rest):.1f} ms; target < {TARGET_MS:.0f} ms (median): "
        + ("PASS" if statistics.median(rest) < TARGET_MS else "FAIL")
    )
    print(f"finished; {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
