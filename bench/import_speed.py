"""ClinicalTrials.gov import speed in records per second, on SQLite (default) or PostgreSQL (--database-url).

Three runs, each timed as wall-clock seconds around the import alone (building files and migrating are not timed):
  (a) every file in tests/data/ctgov-bulk (gzipped) into a fresh database (partial-field exports fail by design);
  (b) a synthetic set of --count records (default 20,000) into a fresh database: deep copies of the real full
      records (those with a statusModule) from tests/data/ctgov-bulk and portal/demo_trials, each given a unique
      NCT9xxxxxxx ID and written as a few JSON array files in a temp dir;
  (c) the same synthetic files again into the same database, so every record is unchanged.
By default the import runs in this process (`import_records` with `read_sources` inside an app context, after
`flask_migrate.upgrade()`); `--mode cli` times `flask --app portal trials import --quiet` as a subprocess instead.

    .venv/bin/python bench/import_speed.py [--count 20000] [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from benchlib import (
    CTGOV_BULK_DIR,
    CTGOV_DIR,
    BenchError,
    app_env,
    drop_database_quietly,
    fresh_database,
    is_postgres,
    load_average,
    machine_line,
    random_secret,
    redact,
    run_flask,
)

SYNTHETIC_TARGET_RPS = 1000.0  # records/s for (b), on SQLite and PostgreSQL (issue 19)
WORKERS = 0  # --workers
SUMMARY_RE = re.compile(r"(\d+) created, (\d+) updated, (\d+) unchanged, (\d+) failed")
# "<file>: record N (NCT…): message", "<file>: record N: message" or "<file> (NCT…): message"
ERROR_RE = re.compile(r"^(?:.*?: record \d+|.*?\.json(?:\.gz)?)(?: \(NCT\d{8}\))?: (?P<message>.*)$")


@dataclass
class RunResult:
    label: str
    files: int
    created: int
    updated: int
    unchanged: int
    failed: int
    seconds: float
    read_seconds: float | None = None  # time spent in read_sources (unpacking, JSON parsing), in-process mode only
    cpu_seconds: float | None = None  # this process's CPU time during the import, in-process mode only
    errors: list[str] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed

    @property
    def per_second(self) -> float:
        return self.processed / self.seconds if self.seconds else 0.0


def _studies(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "protocolSection" in data:
        return [data]
    if isinstance(data, dict) and isinstance(data.get("studies"), list):
        return data["studies"]
    return []


def full_records() -> list[str]:
    """The real records that have a statusModule, each as compact JSON text (cheap to copy by re-parsing)."""
    records = []
    for path in (*sorted(CTGOV_BULK_DIR.glob("*.json.gz")), *sorted(CTGOV_DIR.glob("*.json"))):
        raw = path.read_bytes()
        for study in _studies(json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)):
            protocol = study.get("protocolSection") if isinstance(study, dict) else None
            if isinstance(protocol, dict) and isinstance(protocol.get("statusModule"), dict):
                records.append(json.dumps(study, ensure_ascii=False, separators=(",", ":")))
    return records


def write_synthetic(directory: Path, count: int, files: int) -> tuple[list[Path], int, int]:
    """Write `count` records with NCT IDs NCT90000000… as `files` JSON arrays; returns paths, bases, bytes."""
    if count > 10_000_000:
        raise BenchError("--count must be at most 10,000,000 (synthetic IDs are NCT9 plus 7 digits)")
    bases = full_records()
    if not bases:
        raise BenchError(f"no full records found in {CTGOV_BULK_DIR} or {CTGOV_DIR}")
    directory.mkdir(parents=True, exist_ok=True)
    per_file = -(-count // files)
    paths, total_bytes, number = [], 0, 0
    for index in range(files):
        chunk = []
        for _ in range(min(per_file, count - number)):
            study = json.loads(bases[number % len(bases)])  # a deep copy
            study["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{number:07d}"
            chunk.append(study)
            number += 1
        if not chunk:
            break
        path = directory / f"synthetic-{index + 1:02d}.json"
        path.write_text(json.dumps(chunk, ensure_ascii=False), encoding="utf-8")
        total_bytes += path.stat().st_size
        paths.append(path)
    return paths, len(bases), total_bytes


def import_in_process(label: str, database_url: str, paths: list[Path], migrate: bool) -> RunResult:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.ctgov.importer import import_records
    from portal.ctgov.sources import SourceRecord, expand_paths, read_sources
    from portal.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PORTAL_ENV": "development",
            "SECRET_KEY": random_secret(),
            "RATELIMIT_ENABLED": False,
        }
    )
    files = expand_paths(paths)
    read_seconds = 0.0

    def timed_reads() -> Iterator[list[SourceRecord]]:
        nonlocal read_seconds
        documents = read_sources(files)
        while True:
            started = time.perf_counter()
            records = next(documents, None)
            read_seconds += time.perf_counter() - started
            if records is None:
                return
            yield records

    with app.app_context():
        if migrate:
            logging.disable(logging.WARNING)  # alembic's INFO lines
            try:
                upgrade()
            finally:
                logging.disable(logging.NOTSET)
        started, cpu_started = time.perf_counter(), time.process_time()
        summary = import_records(db.session, timed_reads(), workers=WORKERS)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        db.session.remove()
        db.engine.dispose()
    return RunResult(
        label,
        len(files),
        summary.created,
        summary.updated,
        summary.unchanged,
        summary.failed,
        seconds,
        read_seconds,
        cpu_seconds,
        summary.errors,
    )


def import_via_cli(label: str, database_url: str, paths: list[Path], migrate: bool) -> RunResult:
    env = app_env(database_url)
    env["IMPORT_WORKERS"] = str(WORKERS)
    if migrate:
        run_flask(["db", "upgrade"], env)
    started = time.perf_counter()
    proc = run_flask(["trials", "import", "--quiet", *map(str, paths)], env, check=False)
    seconds = time.perf_counter() - started
    match = SUMMARY_RE.search(proc.stdout)
    if match is None or proc.returncode not in (0, 1):  # 1 means "some records failed", still a finished run
        raise BenchError(f"import exited {proc.returncode} without a summary:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    created, updated, unchanged, failed = (int(x) for x in match.groups())
    errors = [line.removeprefix("error: ") for line in proc.stderr.splitlines() if line.startswith("error: ")]
    from portal.ctgov.sources import expand_paths

    files = len(expand_paths(paths))
    return RunResult(label, files, created, updated, unchanged, failed, seconds, None, None, errors)


def error_kinds(errors: list[str], limit: int = 5) -> list[tuple[int, str]]:
    kinds: Counter[str] = Counter()
    for line in errors:
        match = ERROR_RE.match(line)
        message = match.group("message") if match else line
        kinds[message if len(message) <= 160 else message[:157] + "..."] += 1
    return [(n, message) for message, n in kinds.most_common(limit)]


def report(result: RunResult) -> None:
    print(
        f"  {result.processed:,} records in {result.files} files: {result.created:,} created, "
        f"{result.updated:,} updated, {result.unchanged:,} unchanged, {result.failed:,} failed"
    )
    details = []
    if result.read_seconds is not None:
        details.append(f"{result.read_seconds:.2f} s of it reading/unpacking/parsing JSON")
    if result.cpu_seconds is not None:
        details.append(f"{result.cpu_seconds:.2f} s CPU")
    extra = f" ({'; '.join(details)})" if details else ""
    print(f"  {result.seconds:.2f} s wall{extra} -> {result.per_second:,.1f} records/s")
    for n, message in error_kinds(result.errors):
        print(f"    failed x{n}: {message}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--count", type=int, default=20_000, help="synthetic records for (b) and (c) (default 20000)")
    parser.add_argument(
        "--files", type=int, default=4, help="JSON array files the synthetic set is split into (default 4)"
    )
    parser.add_argument(
        "--mode",
        choices=("inprocess", "cli"),
        default="inprocess",
        help="inprocess: call import_records in this process (default)\ncli: time `flask trials import` subprocesses",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="run against this database instead of temp SQLite files, e.g.\n"
        "postgresql+psycopg://127.0.0.1:5432/bench_portal (dropped and recreated for (a) and for (b); the name\n"
        "must start with 'bench')",
    )
    parser.add_argument("--keep-database", action="store_true", help="do not drop the PostgreSQL database at the end")
    parser.add_argument("--skip-bulk", action="store_true", help="skip (a), the tests/data/ctgov-bulk import")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes reading records ahead of the writes (IMPORT_WORKERS; default 0, as the command line)",
    )
    args = parser.parse_args(argv)
    if args.count < 1 or args.files < 1:
        parser.error("--count and --files must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    global WORKERS
    args = parse_args(argv)
    WORKERS = args.workers
    run = import_in_process if args.mode == "inprocess" else import_via_cli
    how = (
        "in-process: portal.ctgov.importer.import_records + sources.read_sources, wall time of that call"
        if args.mode == "inprocess"
        else "subprocess: `flask --app portal trials import --quiet`, wall time incl. interpreter/app start-up"
    )
    tmpdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    database_url: str | None = None
    try:
        print(f"import_speed  {datetime.now().isoformat(timespec='seconds')}  {machine_line()}")
        print(f"timing: {how}")
        if not args.skip_bulk:
            database_url = fresh_database(args.database_url, tmpdir, "bulk.db")
            print(f"\n(a) {CTGOV_BULK_DIR} into a fresh database ({redact(database_url)})")
            report(run("bulk", database_url, [CTGOV_BULK_DIR], migrate=True))

        started = time.perf_counter()
        paths, bases, size = write_synthetic(tmpdir / "synthetic", args.count, args.files)
        print(
            f"\nsynthetic set: {args.count:,} records from {bases:,} real full records, {len(paths)} files, "
            f"{size / 1_048_576:,.1f} MiB, built in {time.perf_counter() - started:.1f} s (not timed below)"
        )
        database_url = fresh_database(args.database_url, tmpdir, "synthetic.db")
        print(f"\n(b) synthetic set into a fresh database ({redact(database_url)})")
        fresh = run("synthetic", database_url, paths, migrate=True)
        report(fresh)
        verdict = "PASS" if fresh.per_second >= SYNTHETIC_TARGET_RPS else "FAIL"
        engine = "PostgreSQL" if is_postgres(database_url) else "SQLite"
        print(f"  target >= {SYNTHETIC_TARGET_RPS:.0f} records/s on {engine}: {verdict} (reading processes: {WORKERS})")

        print("\n(c) the same synthetic set again (all unchanged)")
        again = run("re-import", database_url, paths, migrate=False)
        report(again)
        if again.unchanged != again.processed:
            print(f"  note: expected every record unchanged, {again.processed - again.unchanged:,} were not")
        print(f"\nfinished; {load_average()}")
        return 0
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        drop_database_quietly(database_url, keep=args.keep_database)
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
