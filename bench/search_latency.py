"""Search latency (median, p95) and import throughput at growing sizes of the scale data set, under gunicorn.

For each size in --sizes (default 10000,30000,100000), smallest first: import the first SIZE trials of the scale
set (bench/scale_data.py; made in a temp dir unless --data names one) through `flask --app portal trials import
--quiet` (timed: records/s), by default as the delta into the same database (--fresh-each recreates it), then start
`gunicorn -w 1 wsgi:app`, and run the fixed queries of bench/search_queries.json against GET /trials (or
/api/v1/trials with --api) --runs times each, one request at a time, in rounds (every query once per round). The
first round warms up and is not counted. Prints median, p95 and max per query group (keyword, keyword + filters,
keyword + distance) and size, how p95 grows with size, and the number of results of every query.

    .venv/bin/python bench/search_latency.py --data /tmp/scale-100k [--sizes 10000,30000,100000]
    .venv/bin/python bench/search_latency.py --data /tmp/scale-100k --database-url postgresql+psycopg://127.0.0.1:5432/bench_search

--hybrid measures the hybrid search (full text fused with meaning): after each import every trial gets a vector
(bench/vectorfill.py: the real model's vector of a repository record, chosen by the trial's summary, with small
noise; embedding 100,000 synthetic texts would take hours here and would not change how long a search takes), and
each search embeds its query with the real model. Without it, imports do not embed (EMBED_AFTER_IMPORT=false) and
searches are full text alone, as before. Each size also reports the gunicorn worker's resident memory after the
queries.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from benchlib import (
    REPO_ROOT,
    BenchError,
    app_env,
    drop_database_quietly,
    free_port,
    fresh_database,
    is_postgres,
    load_average,
    machine_line,
    percentile,
    print_table,
    redact,
    run_flask,
    stop_process,
    tail,
)
from import_speed import SUMMARY_RE
from page_throughput import wait_for_health
from scale_data import MANIFEST, generate
from searchlib import GROUPS, QUERIES, Query, QueryResult, fmt, load_queries, measure
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from vectorfill import fill_vectors, worker_rss_mib

TARGET_P95_MS = {"postgresql": 100.0, "sqlite": 150.0}  # at 100,000 trials, single request, warm cache
TARGET_SIZE = 100_000


def import_step(env: dict[str, str], paths: list[Path]) -> tuple[float, str]:
    started = time.perf_counter()
    proc = run_flask(["trials", "import", "--quiet", *map(str, paths)], env, check=False)
    seconds = time.perf_counter() - started
    match = SUMMARY_RE.search(proc.stdout)
    if match is None or proc.returncode != 0:
        raise BenchError(f"import exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return seconds, match.group(0)


def database_mib(database_url: str) -> float:
    """The database's size on disk: the SQLite file (and its WAL), or pg_database_size."""
    if not is_postgres(database_url):
        path = Path(make_url(database_url).database or "")
        return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists()) / 1_048_576
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return float(conn.scalar(text("SELECT pg_database_size(current_database())")) or 0) / 1_048_576
    finally:
        engine.dispose()


def analyze(database_url: str) -> None:
    """What PostgreSQL's autovacuum does shortly after a bulk load: VACUUM (which also merges the GIN index's
    pending list and sets the visibility map) and ANALYZE (fresh planner statistics)."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def start_server(env: dict[str, str], workers: int, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "--timeout", "120", "-b", f"127.0.0.1:{port}"]
    with log_path.open("ab") as log:
        server = subprocess.Popen(  # noqa: S603
            [*cmd, "wsgi:app"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    wait_for_health(base, server, log_path)
    return server, base


def group_row(size: int, group: str, results: list[QueryResult], target: float) -> list[str]:
    mine = [r for r in results if r.query.group == group]
    timings = [ms for r in mine for ms in r.timings_ms]
    totals = [r.total for r in mine if r.total is not None]
    p95 = percentile(timings, 95) if timings else None
    verdict = "-" if p95 is None else ("PASS" if p95 < target else "FAIL")
    return [
        f"{size:,}",
        GROUPS[group],
        str(len(mine)),
        str(len(timings)),
        fmt(statistics.median(timings) if timings else None),
        fmt(p95),
        fmt(max(timings) if timings else None),
        f"{statistics.median(totals):,.0f}" if totals else "-",
        str(sum(1 for t in totals if t == 0)),
        str(len(mine) - len(totals)),
        f"< {target:.0f} ms {verdict}" + ("" if size >= TARGET_SIZE else " *"),
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, help="a set made by bench/scale_data.py (default: make one in a temp dir)")
    parser.add_argument("--sizes", default="10000,30000,100000", help="trial counts, comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="requests per query, the first not counted (default 5)")
    parser.add_argument("--queries", type=Path, default=QUERIES, help="query list (default bench/search_queries.json)")
    parser.add_argument("--api", action="store_true", help="query /api/v1/trials instead of /trials")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn sync workers (default 1)")
    parser.add_argument("--fresh-each", action="store_true", help="a fresh database per size instead of the delta")
    parser.add_argument("--seed", type=int, default=7, help="seed when the script makes the set itself")
    parser.add_argument(
        "--database-url",
        default=None,
        help="instead of a temp SQLite file, e.g. postgresql+psycopg://127.0.0.1:5432/bench_search\n"
        "(dropped and recreated; the name must start with 'bench')",
    )
    parser.add_argument("--hybrid", action="store_true", help="full text fused with meaning (see above)")
    parser.add_argument(
        "--no-index", action="store_true", help="with --hybrid: scan every vector, never the shared index"
    )
    parser.add_argument("--keep-database", action="store_true", help="do not drop the PostgreSQL database at the end")
    parser.add_argument(
        "--existing",
        metavar="URL",
        help="measure this database as it is (migrated first, never dropped): no import, one size",
    )
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes must be whole numbers separated by commas")
    if not args.sizes or args.sizes[0] < 1 or args.runs < 2:
        parser.error("--sizes must be positive and --runs at least 2")
    return args


def data_files(data: Path, sizes: list[int]) -> dict[int, list[Path]]:
    """The files holding the trials each size adds to the previous one (sizes must fall on file boundaries)."""
    manifest = json.loads((data / MANIFEST).read_text())
    ends, files, cumulative = {}, manifest["files"], 0
    for index, entry in enumerate(files):
        cumulative += entry["trials"]
        ends[cumulative] = index + 1
    steps, start = {}, 0
    for size in sizes:
        if size not in ends:
            raise BenchError(
                f"{data} has {manifest['trials']:,} trials in files of {manifest['per_file']:,}: "
                f"size {size:,} must be a multiple of that, at most the total"
            )
        steps[size] = [data / entry["file"] for entry in files[start : ends[size]]]
        start = ends[size]
    return steps


@dataclass
class Step:
    """One size: what the import of its trials took, and every query's answers."""

    size: int
    trials: int
    fresh: bool
    seconds: float
    summary: str
    mib: float
    results: list[QueryResult]
    worker_mib: float = 0.0

    def import_row(self) -> list[str]:
        if not self.seconds:
            return [
                f"{self.size:,}",
                "(existing)",
                "-",
                "-",
                f"{self.mib:,.0f}",
                f"{self.worker_mib:,.0f}",
                self.summary,
            ]
        added = f"{self.trials:,} (fresh)" if self.fresh else f"+{self.trials:,}"
        rate = f"{self.trials / self.seconds:,.1f}"
        worker = f"{self.worker_mib:,.0f}"
        return [f"{self.size:,}", added, f"{self.seconds:,.1f}", rate, f"{self.mib:,.0f}", worker, self.summary]


def group_p95(results: list[QueryResult], group: str) -> float | None:
    timings = [ms for r in results if r.query.group == group for ms in r.timings_ms]
    return percentile(timings, 95) if timings else None


def query_cell(result: QueryResult) -> str:
    if result.status != 200:
        return f"HTTP {result.status}"
    total = "?" if result.total is None else f"{result.total:,}"
    return f"{total} / {fmt(statistics.median(result.timings_ms) if result.timings_ms else None)}"


def report(steps: list[Step], target: float) -> None:
    print("\nimport (flask --app portal trials import --quiet, incl. interpreter and app start-up)")
    print_table(
        [step.import_row() for step in steps],
        ["size", "trials", "seconds", "records/s", "database MiB", "worker RSS MiB", "summary"],
        left_columns=0,
    )
    print()
    rows = [group_row(step.size, group, step.results, target) for step in steps for group in GROUPS]
    headers = ["trials", "group", "queries", "requests", "median ms", "p95 ms", "max ms"]
    headers += ["results (median)", "0 results", "no total", "target p95"]
    print_table(rows, headers, left_columns=2)
    print(f"* the p95 targets are for {TARGET_SIZE:,} trials and more; at smaller sizes shown for comparison")
    growth = [f"{GROUPS[g]}: " + " -> ".join(fmt(group_p95(step.results, g)) for step in steps) for g in GROUPS]
    print("\np95 ms by size: " + "; ".join(growth))
    print("\nper query (results / median ms at each size; '?' = no total found on the page)")
    queries = [result.query for result in steps[0].results]
    table = [[q.group, q.label, *(query_cell(step.results[i]) for step in steps)] for i, q in enumerate(queries)]
    print_table(table, ["group", "query", *(f"{step.size:,}" for step in steps)], left_columns=2)


def measure_existing(args: argparse.Namespace, queries: list[Query], endpoint: str, log_path: Path) -> int:
    """--existing: one size, the database's own, after `flask db upgrade`."""
    env = app_env(args.existing)
    env["SEMANTIC_SEARCH"] = "true" if args.hybrid else "false"
    env["VECTOR_INDEX_DIR"] = str(log_path.parent / "vectors")
    env["VECTOR_INDEX_MIN_TRIALS"] = "0" if args.no_index else "20000"
    run_flask(["db", "upgrade"], env)
    if args.hybrid and not args.no_index:
        print(run_flask(["trials", "vector-index"], env).stdout.strip())
    engine = create_engine(args.existing)
    try:
        with engine.connect() as conn:
            size = int(conn.scalar(text("SELECT count(*) FROM trials")) or 0)
    finally:
        engine.dispose()
    if is_postgres(args.existing):
        analyze(args.existing)
    server, base = start_server(env, args.workers, log_path)
    try:
        results = measure(base + endpoint, queries, args.runs, args.api)
        worker_mib = worker_rss_mib(server.pid)
    finally:
        stop_process(server)
    step = Step(size, 0, False, 0.0, "not imported by this run", database_mib(args.existing), results, worker_mib)
    print(f"\ndatabase: {redact(args.existing)}")
    report([step], TARGET_P95_MS["postgresql" if is_postgres(args.existing) else "sqlite"])
    print(f"finished; {load_average()}")
    return 1 if any(r.status != 200 for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmpdir = Path(tempfile.mkdtemp(prefix="bench-search-"))
    server: subprocess.Popen[bytes] | None = None
    database_url: str | None = None
    log_path = tmpdir / "gunicorn.log"
    endpoint = "/api/v1/trials" if args.api else "/trials"
    try:
        queries = load_queries(args.queries)
        print(f"search_latency  {datetime.now().isoformat(timespec='seconds')}  {machine_line()}")
        if args.existing:
            return measure_existing(args, queries, endpoint, log_path)
        data = args.data
        if data is None:
            data = tmpdir / "scale"
            made = generate(data, args.sizes[-1], 1000, args.seed, 20.0)
            print(f"made the scale set in {data}: {made['trials']:,} trials, {made['sites']:,} sites")
        files = data_files(data, args.sizes)
        counts = ", ".join(f"{sum(1 for q in queries if q.group == g)} {g}" for g in GROUPS)
        print(
            f"queries: {args.queries.name}, {len(queries)} ({counts}); GET {endpoint}?..., {args.runs} rounds, "
            f"the first not counted; gunicorn -w {args.workers}"
        )
        steps: list[Step] = []
        for size in args.sizes:
            if server is not None:
                stop_process(server)
                server = None
            fresh = database_url is None or args.fresh_each
            if fresh:
                if database_url is not None and not is_postgres(database_url):
                    old = Path(make_url(database_url).database or "")
                    for path in (old, old.with_name(old.name + "-wal"), old.with_name(old.name + "-shm")):
                        path.unlink(missing_ok=True)  # GBs at 100,000 trials
                name = f"search-{size}.db" if args.fresh_each else "search.db"
                database_url = fresh_database(args.database_url, tmpdir, name)
                env = app_env(database_url)
                env["EMBED_AFTER_IMPORT"] = "false"
                # About 15 ms a trial: hours at 550,000 trials, and no search reads it (see bench/README.md).
                env["GLOSSARY_AFTER_IMPORT"] = "false"
                env["SEMANTIC_SEARCH"] = "true" if args.hybrid else "false"
                env["VECTOR_INDEX_DIR"] = str(tmpdir / "vectors")
                env["VECTOR_INDEX_MIN_TRIALS"] = "0" if args.no_index else "20000"
                run_flask(["db", "upgrade"], env)
            paths = [p for s in args.sizes if s <= size for p in files[s]] if fresh else files[size]
            trials = size if fresh else size - steps[-1].size
            seconds, summary = import_step(env, paths)
            print(f"\n[{size:,}] imported {trials:,} trials in {seconds:,.1f} s ({trials / seconds:,.1f}/s): {summary}")
            if args.hybrid:
                filled = fill_vectors(database_url)
                print(f"[{size:,}] vectors for {filled:,} trials")
                if not args.no_index:
                    print(f"[{size:,}] {run_flask(['trials', 'vector-index'], env).stdout.strip()}")
            if is_postgres(database_url):
                analyze(database_url)
            mib = database_mib(database_url)
            server, base = start_server(env, args.workers, log_path)
            results = measure(base + endpoint, queries, args.runs, args.api)
            worker_mib = worker_rss_mib(server.pid)
            bad = [r for r in results if r.status != 200]
            if len(bad) == len(results):
                raise BenchError(f"every query answered {bad[0].status} (is {endpoint} there?):\n{tail(log_path, 15)}")
            for r in bad:
                print(f"  warning: {r.query.label} answered {r.status}")
            steps.append(Step(size, trials, fresh, seconds, summary, mib, results, worker_mib))

        print(f"\ndatabase: {redact(database_url or '')}; search: {'hybrid' if args.hybrid else 'full text'}")
        report(steps, TARGET_P95_MS["postgresql" if is_postgres(database_url or "") else "sqlite"])
        tracebacks = log_path.read_text(errors="replace").count("Traceback")
        if tracebacks:
            print(f"warning: the gunicorn log has {tracebacks} tracebacks:\n{tail(log_path)}")
        print(f"finished; {load_average()}")
        return 1 if any(r.status != 200 for step in steps for r in step.results) else 0
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            stop_process(server)
        drop_database_quietly(database_url, keep=args.keep_database)
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
