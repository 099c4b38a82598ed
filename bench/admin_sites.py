"""The admin sites page of the largest demo trial: time and bytes per page, first page, a search and the last page.

NCT04267848 has 1,148 sites. Before paging, its sites page rendered every site with two forms each (5.8 s and
1.29 MB); the target is under 300 ms. Imports that one record from portal/demo_trials into a throwaway database
(SQLite in a temp dir, or --database-url), signs an operator in through the form, then requests each page --runs
times and prints the median and slowest time, the size and the number of site sections.

    .venv/bin/python bench/admin_sites.py
    .venv/bin/python bench/admin_sites.py --database-url postgresql+psycopg://127.0.0.1:5432/bench_admin_sites
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchlib import (
    CTGOV_DIR,
    BenchError,
    drop_database_quietly,
    fresh_database,
    machine_line,
    print_table,
    random_secret,
    redact,
)

NCT_ID = "NCT04267848"
ADMIN = "ops@example.org"


def measure(database_url: str, runs: int) -> list[list[str]]:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.accounts.passwords import hash_password
    from portal.ctgov.importer import import_records
    from portal.ctgov.sources import read_sources
    from portal.extensions import db
    from portal.models import User
    from tests.forms import find_csrf_token

    password = random_secret()  # a throwaway operator in a throwaway database

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PORTAL_ENV": "development",
            "SECRET_KEY": random_secret(),
            "RATELIMIT_ENABLED": False,
            "OUTBOX_DELIVERY": "manual",
        }
    )
    with app.app_context():
        logging.disable(logging.WARNING)
        try:
            upgrade()
            summary = import_records(db.session, read_sources([CTGOV_DIR / f"{NCT_ID}.json"]))
        finally:
            logging.disable(logging.NOTSET)
        if summary.errors:
            raise BenchError(f"import failed: {summary.errors[:3]}")
        db.session.add(
            User(email=ADMIN, display_name="Ops", role="admin", active=True, password_hash=hash_password(password))
        )
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    token = find_csrf_token(client.get("/account/sign-in").get_data(as_text=True))
    signed_in = client.post("/account/sign-in", data={"email": ADMIN, "password": password, "csrf_token": token})
    if signed_in.status_code != 302:
        raise BenchError(f"sign-in answered {signed_in.status_code}")
    base = f"/admin/trials/{NCT_ID}/sites"
    first = client.get(base).get_data(as_text=True)
    last_page = _last_page(first)
    pages = [("first page", base), ("search 'texas'", f"{base}?q=texas"), ("last page", f"{base}?page={last_page}")]
    rows = []
    for label, path in pages:
        times = []
        body = b""
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise BenchError(f"{path} answered {response.status_code}")
            body = response.get_data()
        sections = body.count(b'class="admin-site"')
        rows.append(
            [
                label,
                f"{statistics.median(times):.0f}",
                f"{max(times):.0f}",
                f"{len(body) / 1024:.0f}",
                str(sections),
            ]
        )
    return rows


def _last_page(html: str) -> int:
    found = re.search(r"Page \d+ of (\d+)", html)
    return int(found.group(1)) if found else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL to use (recreated); default: SQLite in a temp dir")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    args = parser.parse_args()
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="admin-sites-") as tmp:
        url = fresh_database(args.database_url, Path(tmp))
        print(f"database: {redact(url)}, {args.runs} runs per page")
        try:
            rows = measure(url, args.runs)
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            drop_database_quietly(args.database_url, args.keep)
    print_table(rows, ["page of " + NCT_ID, "median ms", "max ms", "KB", "site sections"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
