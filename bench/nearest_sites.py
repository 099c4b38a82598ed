"""Nearest-site ordering for the biggest trial (NCT04267848, 1,148 sites), and place lookup, in milliseconds.

Builds a temp SQLite database (`flask --app portal db upgrade` and `trials import` of the one record through the
flask CLI), loads the trial's sites in this process, resolves a few places with `portal.geo.resolve_place` and
times `portal.contact.services.site_choices(sites, place)` --runs times per place (target: p95 < 20 ms). It also
times `resolve_place` on its own: the first call in a fresh interpreter (which loads the ZIP code or GeoNames
data), measured in a separate subprocess per place so each one is really cold, and warm calls in this process.
A report: exit 0 whether the target passes or fails, 2 when something did not run.

    .venv/bin/python bench/nearest_sites.py [--runs 200] [--place "Lyon, France" ...]
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from benchlib import (
    CTGOV_DIR,
    REPO_ROOT,
    BenchError,
    app_env,
    fresh_database,
    load_average,
    machine_line,
    percentile,
    print_table,
    random_secret,
    run_flask,
)

TRIAL = "NCT04267848"  # 1,148 sites
DEFAULT_PLACES = ["90210", "Chicago", "Hagatna, Guam", "10001"]
TARGET_P95_MS = 20.0


class GcWatch:
    """Counts the garbage collector's generation-2 (full) passes and how long they took, via gc.callbacks."""

    def __init__(self) -> None:
        self.full_passes: list[float] = []  # ms each
        self._started: float | None = None

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self.full_passes.append((time.perf_counter() - self._started) * 1000)
            self._started = None

    def __enter__(self) -> GcWatch:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def time_calls(func: Callable[[], Any], runs: int) -> list[float]:
    """Wall time in ms of `runs` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return times


def cold_probe(place: str) -> None:
    """Hidden mode (--cold-probe): time imports and the first resolve_place call in this fresh interpreter."""
    started = time.perf_counter()
    from portal import geo

    import_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    result = geo.resolve_place(place)
    first_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    geo.resolve_place(place)
    second_ms = (time.perf_counter() - started) * 1000
    print(json.dumps({"import_ms": import_ms, "first_ms": first_ms, "second_ms": second_ms, "found": bool(result)}))


def run_cold_probe(place: str, timeout: float = 120.0) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--cold-probe", place]
    try:
        proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"cold probe for {place!r} took more than {timeout:.0f}s") from exc
    if proc.returncode != 0:
        raise BenchError(f"cold probe for {place!r} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=200, help="timed calls per place (default 200)")
    parser.add_argument(
        "--place",
        action="append",
        default=None,
        help=f"a place to resolve (repeatable; default: {', '.join(repr(p) for p in DEFAULT_PLACES)})",
    )
    parser.add_argument("--skip-cold", action="store_true", help="do not run the fresh-interpreter first-call probes")
    parser.add_argument("--cold-probe", default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.cold_probe is not None:
        cold_probe(args.cold_probe)
        return 0
    places: list[str] = args.place or DEFAULT_PLACES
    record = CTGOV_DIR / f"{TRIAL}.json"
    tmpdir = Path(tempfile.mkdtemp(prefix="bench-nearest-"))
    try:
        if not record.is_file():
            raise BenchError(f"{record} is missing")
        database_url = fresh_database(None, tmpdir)
        env = app_env(database_url)
        print(f"nearest_sites  {datetime.now().isoformat(timespec='seconds')}  {machine_line()}")
        print(f"database: {database_url}")
        run_flask(["db", "upgrade"], env)
        started = time.perf_counter()
        imported = run_flask(["trials", "import", "--quiet", str(record)], env)
        summary = imported.stdout.strip().splitlines()[-1] if imported.stdout.strip() else "(no summary)"
        print(f"import {record.name} (flask CLI): {summary} [{time.perf_counter() - started:.1f} s]")

        # Cold first calls first, each in its own fresh interpreter, before this process loads anything.
        cold: dict[str, dict[str, Any]] = {}
        if not args.skip_cold:
            for place in places:
                cold[place] = run_cold_probe(place)

        from portal import create_app
        from portal.contact.services import site_choices
        from portal.extensions import db
        from portal.geo import resolve_place
        from portal.trials.services import get_trial

        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "PORTAL_ENV": "development",
                "SECRET_KEY": random_secret(),
                "RATELIMIT_ENABLED": False,
                "OUTBOX_DELIVERY": "manual",
            }
        )
        logging.getLogger().setLevel(logging.WARNING)
        with app.app_context():
            started = time.perf_counter()
            trial = get_trial(db.session, TRIAL)
            if trial is None:
                raise BenchError(f"{TRIAL} was not imported")
            sites = list(trial.sites)
            load_ms = (time.perf_counter() - started) * 1000
            with_coords = sum(1 for s in sites if s.latitude is not None and s.longitude is not None)
            recruiting = sum(1 for s in sites if s.status == "RECRUITING")
            print(
                f"{TRIAL}: {len(sites):,} sites ({recruiting:,} recruiting, {with_coords:,} with coordinates); "
                f"loading trial + sites from SQLite took {load_ms:.1f} ms (cold session)"
            )

            # resolve_place, warm: this process has loaded the data once already (first call not counted).
            print()
            print("resolve_place: first call in a fresh interpreter (separate subprocess per place), then warm calls")
            rows = []
            resolved = {}
            for place in places:
                resolved[place] = resolve_place(place)
                warm = time_calls(lambda place=place: resolve_place(place), args.runs)
                c = cold.get(place)
                rows.append(
                    [
                        repr(place),
                        "None (not found)" if resolved[place] is None else resolved[place].label,
                        f"{c['import_ms']:.1f}" if c else "-",
                        f"{c['first_ms']:.1f}" if c else "-",
                        f"{statistics.median(warm):.3f}",
                        f"{percentile(warm, 95):.3f}",
                        f"{max(warm):.3f}",
                    ]
                )
            print_table(
                rows,
                ["place", "resolved to", "import ms", "1st call ms", "warm p50 ms", "warm p95 ms", "warm max ms"],
                left_columns=2,
            )
            print(
                "import ms = `from portal import geo` in a fresh interpreter (imports the portal package: Flask,"
                " SQLAlchemy, ...); 1st call = the call after it (loads the zipcodes or GeoNames data)"
            )

            print()
            print(f"site_choices(sites, place) over {len(sites):,} sites, {args.runs} runs per place")
            rows = []
            verdicts = []
            cases: list[tuple[str, Any]] = [(repr(p), resolved[p]) for p in places] + [("(no place)", None)]
            watch = GcWatch()
            for label, place in cases:
                site_choices(sites, place)  # warm-up, not timed
                with watch:
                    times = time_calls(lambda place=place: site_choices(sites, place), args.runs)
                choices = site_choices(sites, place)
                nearest = next((c for c in choices if c.selectable), None)
                p95 = percentile(times, 95)
                ok = p95 < TARGET_P95_MS
                verdicts.append(ok)
                where = "-"
                if nearest is not None:
                    dist = nearest.distance
                    where = f"{nearest.site.city or '?'}, {nearest.site.country or '?'}"
                    if dist:
                        where += f" ({dist[0]:,} {dist[1]})"
                rows.append(
                    [
                        label,
                        "no" if place is None else "yes",
                        f"{statistics.median(times):.2f}",
                        f"{p95:.2f}",
                        f"{percentile(times, 99):.2f}",
                        f"{max(times):.2f}",
                        f"< {TARGET_P95_MS:.0f}  {'PASS' if ok else 'FAIL'}",
                        where,
                    ]
                )
            print_table(
                rows, ["place", "located", "p50 ms", "p95 ms", "p99 ms", "max ms", "target p95", "nearest recruiting"]
            )
            started = time.perf_counter()
            gc.collect()
            full_ms = (time.perf_counter() - started) * 1000
            longest = max(watch.full_passes, default=0.0)
            print(
                f"full (generation-2) GC passes during the timed site_choices runs: {len(watch.full_passes)}, "
                f"longest {longest:.1f} ms; a gc.collect() now takes {full_ms:.1f} ms over "
                f"{len(gc.get_objects()):,} tracked objects (the GeoNames/ZIP data stay loaded in every process)"
            )
            unresolved = [p for p in places if resolved[p] is None]
            if unresolved:
                print(
                    "note: resolve_place returned None for "
                    + ", ".join(repr(p) for p in unresolved)
                    + "; site_choices then orders without distances (same as no place)"
                )
            db.session.remove()
            db.engine.dispose()
        print(f"finished; {load_average()}")
        return 0
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
