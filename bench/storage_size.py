"""Database size per 100,000 trials, by table, and what compressing `trials.raw` would save.

Reads an imported database (--existing; nothing is changed, apart from a temporary table on PostgreSQL) and prints
the size of the whole database and of each table with its indexes (PostgreSQL: pg_database_size and
pg_total_relation_size; SQLite: the file and the dbstat table), scaled to 100,000 trials. Then the stored size of
`trials.raw` over a sample of --sample trials: on PostgreSQL as stored and written again into temporary tables whose
column uses pglz (TOAST's default) or lz4 (`ALTER TABLE ... SET COMPRESSION lz4`, PostgreSQL 14+); on SQLite as stored
(JSON text, uncompressed) and compressed per record with zlib (level 6) in Python, the figure a compressed column
type would store (zstd, not installed here, typically does a little better at a similar speed).

    .venv/bin/python bench/storage_size.py --existing postgresql+psycopg://127.0.0.1:5432/bench_big
    .venv/bin/python bench/storage_size.py --existing sqlite:////tmp/search.db
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from datetime import datetime
from pathlib import Path

from benchlib import is_postgres, load_average, machine_line, print_table, redact
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

MIB = 1_048_576
PER = 100_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--existing", required=True, help="the imported database's URL")
    parser.add_argument("--sample", type=int, default=10_000, help="trials sampled for trials.raw (default 10000)")
    args = parser.parse_args()
    engine = create_engine(args.existing)
    postgres = is_postgres(args.existing)
    print(f"storage_size  {datetime.now().isoformat(timespec='seconds')}  {machine_line()}")
    with engine.connect() as conn:
        trials = int(conn.scalar(text("SELECT count(*) FROM trials")) or 0)
        sites = int(conn.scalar(text("SELECT count(*) FROM sites")) or 0)
        if not trials:
            print("error: no trials", file=sys.stderr)
            return 2
        scale = PER / trials
        if postgres:
            total = int(conn.scalar(text("SELECT pg_database_size(current_database())")) or 0)
            tables = conn.execute(
                text(
                    "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
                    "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 2 DESC"
                )
            ).all()
        else:
            path = Path(make_url(args.existing).database or "")
            total = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
            tables = conn.execute(
                text(
                    "SELECT coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat s "
                    "LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1 ORDER BY 2 DESC"
                )
            ).all()
        print(f"database: {redact(args.existing)}: {trials:,} trials, {sites:,} sites")
        print(f"total {total / MIB:,.0f} MiB; per 100,000 trials {total * scale / MIB:,.0f} MiB\n")
        rows = [[name, f"{size / MIB:,.1f}", f"{size * scale / MIB:,.1f}"] for name, size in tables if size >= MIB]
        print_table(rows, ["table (with its indexes)", "MiB", "MiB per 100,000 trials"])
        print()
        if postgres:
            raw_postgres(conn, args.sample, scale)
        else:
            raw_sqlite(conn, args.sample, scale)
    print(f"finished; {load_average()}")
    return 0


def raw_postgres(conn, sample: int, scale: float) -> None:  # type: ignore[no-untyped-def]
    stored, plain = conn.execute(
        text(
            "SELECT sum(pg_column_size(raw)), sum(octet_length(raw::text)) FROM "
            "(SELECT raw FROM trials ORDER BY id LIMIT :n) s"
        ),
        {"n": sample},
    ).one()
    written: dict[str, tuple[int, float]] = {}
    for method in ("pglz", "lz4"):
        # Through text, so each value is compressed anew: a compressed value copied as it is keeps its method.
        conn.execute(text(f"CREATE TEMPORARY TABLE raw_{method} (raw jsonb COMPRESSION {method})"))
        started = time.perf_counter()
        conn.execute(
            text(f"INSERT INTO raw_{method} SELECT raw::text::jsonb FROM trials ORDER BY id LIMIT :n"),  # noqa: S608
            {"n": sample},
        )
        seconds = time.perf_counter() - started
        size = int(conn.scalar(text(f"SELECT sum(pg_column_size(raw)) FROM raw_{method}")) or 0)  # noqa: S608
        written[method] = (size, seconds)
    count = min(sample, round(PER / scale))
    per = PER / count
    print(f"trials.raw over {count:,} trials (scaled to 100,000 trials):")
    print(f"  as JSON text               {plain * per / MIB:8,.0f} MiB")
    print(f"  as stored                  {stored * per / MIB:8,.0f} MiB")
    for method, (size, seconds) in written.items():
        print(f"  {method:<27}{size * per / MIB:8,.0f} MiB  (written in {seconds:.1f} s)")


def raw_sqlite(conn, sample: int, scale: float) -> None:  # type: ignore[no-untyped-def]
    raws = conn.execute(text("SELECT raw FROM trials ORDER BY id LIMIT :n"), {"n": sample}).scalars().all()
    plain = sum(len(r.encode()) for r in raws)
    started = time.perf_counter()
    packed = sum(len(zlib.compress(r.encode(), 6)) for r in raws)
    seconds = time.perf_counter() - started
    per = PER / len(raws)
    print(f"trials.raw over {len(raws):,} trials (scaled to 100,000 trials):")
    print(f"  stored (JSON text)         {plain * per / MIB:8,.0f} MiB")
    print(
        f"  zlib level 6               {packed * per / MIB:8,.0f} MiB  ({seconds / len(raws) * 1000:.2f} ms a record)"
    )


if __name__ == "__main__":
    sys.exit(main())
