"""A full load of the scale set (bench/scale_data.py) in this process, with the rate every 10,000 records.

Calls `portal.ctgov.importer.import_records` over the first --files files of --data (the manifest is skipped), into
--database-url, which must be migrated and is normally empty (a fresh load). No post-import step: this measures
the import itself, as `flask trials import` runs it before its ANALYZE and alert run (search_latency.py times the
whole command). Prints, every 10,000 records, the rate since the last line and the CPU seconds so far of this
process (reading, hashing, normalising and writing the records) and, on PostgreSQL, of the session's server
process (read from /proc: the server must run on this machine), then the total. Matching by meaning is off.

    .venv/bin/python bench/import_scale.py --data /tmp/scale-100k --database-url postgresql+psycopg://127.0.0.1:5432/bench_imp
    .venv/bin/python bench/import_scale.py --data /tmp/scale-100k --files 40 --database-url sqlite:////tmp/imp.db
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from benchlib import is_postgres, load_average, machine_line, random_secret, redact
from scale_data import MANIFEST

LINE_EVERY = 10_000
TARGET = 1_000.0  # records/s (issue 19)


def server_cpu_seconds(pid: int | None) -> float:
    """user + system CPU of a local process (the PostgreSQL backend), 0 when there is none."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="a folder made by bench/scale_data.py")
    parser.add_argument("--files", type=int, default=None, help="only the first FILES files (1,000 trials each)")
    parser.add_argument("--database-url", required=True, help="a migrated (normally empty) database")
    args = parser.parse_args()

    from sqlalchemy import text

    from portal import create_app
    from portal.ctgov.importer import import_records
    from portal.ctgov.sources import read_sources
    from portal.extensions import db

    files = sorted(path for path in args.data.glob("*.json") if path.name != MANIFEST)[: args.files]
    if not files:
        print(f"error: no scale files in {args.data}", file=sys.stderr)
        return 2
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "PORTAL_ENV": "development",
            "SECRET_KEY": random_secret(),
            "SEMANTIC_SEARCH": False,
        }
    )
    print(f"import_scale  {datetime.now().isoformat(timespec='seconds')}  {machine_line()}")
    print(f"database: {redact(args.database_url)}; {len(files)} files of {args.data}")
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()")) if is_postgres(args.database_url) else None
        server0, client0, started = server_cpu_seconds(pid), time.process_time(), time.perf_counter()
        state = {"done": 0, "marked": 0, "at": started}

        def progress(count: int) -> None:
            state["done"] += count
            if state["done"] - state["marked"] >= LINE_EVERY:
                now = time.perf_counter()
                rate = (state["done"] - state["marked"]) / (now - state["at"])
                print(
                    f"{state['done']:>9,}  {rate:7.1f} records/s  this process {time.process_time() - client0:7.1f} s"
                    f"  server {server_cpu_seconds(pid) - server0:7.1f} s  wall {now - started:7.1f} s",
                    flush=True,
                )
                state["marked"], state["at"] = state["done"], now

        summary = import_records(db.session, read_sources(files), progress)
        seconds = time.perf_counter() - started
        client, server = time.process_time() - client0, server_cpu_seconds(pid) - server0
    records = summary.total
    rate = records / seconds
    print(
        f"{summary.line()}; {records:,} records in {seconds:.1f} s = {rate:,.1f} records/s "
        f"(target >= {TARGET:,.0f}: {'PASS' if rate >= TARGET else 'FAIL'})"
    )
    per = 1000 / max(records, 1)
    print(
        f"CPU: this process {client:.1f} s ({client * per:.2f} ms a record)"
        + (f", server {server:.1f} s ({server * per:.2f} ms a record)" if pid is not None else "")
    )
    print(f"finished; {load_average()}")
    return 0 if summary.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
