"""A day's incremental sync: about 3,000 changed records through `trials sync`, against the local stand-in API.

Takes an existing, imported database (--existing; e.g. the scale set kept by search_latency.py --keep-database) and
the scale set it was built from (--data). The first --changed studies of the set come back changed, as a day's
worth of registry updates would: a new last-update date (today), a new title, a tenth of them with another
overall status and one site fewer, and --new studies the database has never seen (NCT7xxxxxxx). The stand-in API
(tests/fakes/ctgov_api.py) serves them; `portal.sync.services.sync_trials` runs in this process with the app
pointed at it (1,000 records a page, no pacing), and the script prints, in seconds:

- import to searchable: from the start until the last page is committed (every record is then in the search);
- the post-import step as the sync's own process runs it when mail goes through RQ: ANALYZE and the alert run
  (the meaning vectors and glossary words go to a mail worker: `portal.post_import.enrich_job`);
- the total, against the target (< 30 s);
- the worker's part, measured apart: glossary matching of --glossary-sample of the changed trials, per trial and
  projected to all of them, and (only with --embed, the real model, one thread) the meaning vectors.

It changes the database (the changed trials stay changed); run it again and the titles change again. The trials'
vectors: without --embed the run has matching by meaning off (SEMANTIC_SEARCH=false), as search_latency.py.

    .venv/bin/python bench/sync_day.py --existing postgresql+psycopg://127.0.0.1:5432/bench_big --data /tmp/scale-100k
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from benchlib import BenchError, load_average, machine_line, random_secret, redact
from scale_data import MANIFEST

# The stand-in the sync's own tests use (branch issue19-sync). If it moves, change this import only.
from tests.fakes.ctgov_api import CtgovStandIn

TARGET_SECONDS = 30.0
T = TypeVar("T")


def changed_studies(data: Path, changed: int, new: int, stamp: str) -> list[dict[str, Any]]:
    """The first `changed` studies of the set, changed as a day's updates, and `new` unseen copies."""
    files = [data / entry["file"] for entry in json.loads((data / MANIFEST).read_text())["files"]]
    studies: list[dict[str, Any]] = []
    for path in files:
        studies.extend(json.loads(path.read_text()))
        if len(studies) >= changed + new:
            break
    if len(studies) < changed + new:
        raise BenchError(f"{data} holds fewer than {changed + new} studies")
    today = datetime.now(UTC).date().isoformat()
    out: list[dict[str, Any]] = []
    for number, original in enumerate(studies[: changed + new]):
        study = copy.deepcopy(original)
        protocol = study["protocolSection"]
        protocol["statusModule"]["lastUpdatePostDateStruct"] = {"date": today, "type": "ACTUAL"}
        ident = protocol["identificationModule"]
        ident["briefTitle"] = f"{ident.get('briefTitle', 'A study')} (updated {stamp})"
        if number % 10 == 0:
            status = protocol["statusModule"].get("overallStatus")
            protocol["statusModule"]["overallStatus"] = "RECRUITING" if status != "RECRUITING" else "COMPLETED"
            locations = protocol.get("contactsLocationsModule", {}).get("locations") or []
            if len(locations) > 1:
                locations.pop()
        if number >= changed:
            ident["nctId"] = f"NCT7{number:07d}"
        out.append(study)
    return out


def timed(name: str, seconds: dict[str, float], function: Callable[..., T]) -> Callable[..., T]:
    def wrapper(*args: Any, **kwargs: Any) -> T:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def glossary_per_trial(nct_ids: list[str]) -> float:
    """Milliseconds a trial for the glossary matching of these trials (not stored)."""
    from sqlalchemy import select
    from sqlalchemy.orm import undefer

    from portal.extensions import db
    from portal.glossary.services import match_trial
    from portal.models import Trial

    trials = db.session.scalars(select(Trial).where(Trial.nct_id.in_(nct_ids)).options(undefer(Trial.raw))).all()
    started = time.perf_counter()
    for trial in trials:
        match_trial(trial)
    return (time.perf_counter() - started) * 1000 / max(len(trials), 1)


def run(args: argparse.Namespace) -> int:
    from flask_migrate import upgrade

    import portal.post_import as after
    from portal import create_app
    from portal.embeddings.runtime import get_embedder
    from portal.embeddings.store import embed_trials
    from portal.extensions import db
    from portal.sync import services
    from portal.sync.services import sync_trials

    stamp = datetime.now(UTC).strftime("%H%M%S")
    studies = changed_studies(args.data, args.changed, args.new, stamp)
    parts: dict[str, float] = {}
    after.refresh_planner_statistics = timed("ANALYZE", parts, after.refresh_planner_statistics)
    after.run_alerts = timed("alerts", parts, after.run_alerts)
    services.import_records = timed("import_records", parts, services.import_records)
    print(f"sync_day  {datetime.now().isoformat(timespec='seconds')}  {machine_line()}")
    print(f"database: {redact(args.existing)}; {args.changed:,} changed and {args.new:,} new records")
    with CtgovStandIn(studies) as api:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": args.existing,
                "PORTAL_ENV": "development",
                "SECRET_KEY": random_secret(),
                "RATELIMIT_ENABLED": False,
                "CTGOV_API_URL": api.url,
                "CTGOV_PAGE_SIZE": 1000,
                "CTGOV_REQUESTS_PER_MINUTE": 60_000,
                "SEMANTIC_SEARCH": args.embed,
                # The worker's steps are timed apart below, as a worker would run them after the sync.
                "EMBED_AFTER_IMPORT": False,
                "GLOSSARY_AFTER_IMPORT": False,
                "OUTBOX_DELIVERY": "manual",
            }
        )
        pages: list[float] = []
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            outcome = sync_trials(full=True, on_page=lambda *_: pages.append(time.perf_counter() - started))
            total = time.perf_counter() - started
            sample = [study["protocolSection"]["identificationModule"]["nctId"] for study in studies]
            glossary_ms = glossary_per_trial(sample[: args.glossary_sample])
            vectors = None
            if args.embed:
                embedder = get_embedder()
                vectors = embed_trials(db.session, embedder) if embedder is not None else None
            embed_seconds = time.perf_counter() - started - total
    if outcome.error:
        print(f"error: the sync stopped: {outcome.error}", file=sys.stderr)
        return 2
    searchable = pages[-1] if pages else total
    print(f"sync: {outcome.pages} pages, {outcome.summary.line()}")
    print(f"  import to searchable  {searchable:8.1f} s  ({(args.changed + args.new) / searchable:,.0f} records/s)")
    if "import_records" in parts and outcome.pages:
        per_page = parts["import_records"] / outcome.pages
        print(f"    of which importing  {parts['import_records']:8.1f} s  ({per_page:.1f} s a page; the rest: the API)")
    print(f"  post-import step      {total - searchable:8.1f} s")
    for name in ("ANALYZE", "alerts"):
        if name in parts:
            print(f"    {name:<20}{parts[name]:8.1f} s")
    verdict = "PASS" if total < TARGET_SECONDS else "FAIL"
    print(f"  total                 {total:8.1f} s  (target < {TARGET_SECONDS:.0f} s: {verdict})")
    records = args.changed + args.new
    print(
        f"on a mail worker after it: glossary {glossary_ms:.1f} ms a trial ({args.glossary_sample} sampled), "
        f"about {glossary_ms * records / 1000:,.0f} s for {records:,} trials"
    )
    if vectors is not None:
        print(f"  meaning vectors: {vectors.line()} in {embed_seconds:,.1f} s (glossary sample included)")
    print(f"finished; {load_average()}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--existing", required=True, help="the imported database's URL (it is changed)")
    parser.add_argument("--data", type=Path, required=True, help="the scale set the database was built from")
    parser.add_argument("--changed", type=int, default=2_850, help="changed records (default 2850)")
    parser.add_argument("--new", type=int, default=150, help="records the database has not seen (default 150)")
    parser.add_argument("--embed", action="store_true", help="compute the meaning vectors too (the real model)")
    parser.add_argument("--glossary-sample", type=int, default=200, help="changed trials glossary-matched (200)")
    args = parser.parse_args()
    try:
        return run(args)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
