"""One pass of the contact follow-up scheduler (portal.contact.follow_up.run_follow_ups) over 100,000 requests.

On a fresh database (SQLite in a temp dir by default, or the PostgreSQL database given with --database-url, whose
name must start with "bench"; dropped afterwards unless --keep): migrates, imports the demo trials
(portal/demo_trials) for their sites, and writes --requests contact requests (default 100,000) spread evenly over
the last 365 days across every recruiting site, in bulk. As a running portal has them: 85% were answered (a first
response within 0 to 6 working days); of the unanswered ones, those older than the 30-day look-back were escalated
long ago, the rest are waiting, so the first pass has work to do.

Passes are timed one after another: first the backlog (the reminders and escalations due, with their emails and
fallback offers, as on the day the feature is turned on), which a pass writes FOLLOW_UP_MAX_EMAILS (200) at a time,
so it takes several passes; then a pass with nothing new due (the one a worker makes every FOLLOW_UP_RUN_SECONDS),
and one more after 500 new requests arrive. The target is one pass under 10 s on PostgreSQL.

The indexes it relies on (migration 90a8b8349b86): ix_contact_requests_awaiting_reply, a partial index on
created_at over the requests with no first response and no escalation (the scan: a pass reads only those), and
the existing primary key for the keyset paging; outbox_emails.unique_key's unique index makes every email single.

    .venv/bin/python bench/follow_up_scheduler.py --database-url postgresql+psycopg://127.0.0.1:5432/bench_h2
"""

from __future__ import annotations

import argparse
import logging
import random
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from benchlib import REPO_ROOT, drop_database_quietly, fresh_database, machine_line, print_table, random_secret, redact

LOOKBACK_DAYS = 30


def build(count: int, seed: int) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text

    from portal.ctgov.importer import import_records
    from portal.ctgov.sources import read_sources
    from portal.extensions import db
    from portal.geo.working_days import add_working_days
    from portal.models import ContactRequest, Site
    from portal.models.base import utcnow

    rng = random.Random(seed)
    upgrade()
    summary = import_records(db.session, read_sources([REPO_ROOT / "portal" / "demo_trials"]))
    sites = list(
        db.session.execute(
            select(Site.id, Site.trial_id, Site.facility, Site.country).where(Site.status == "RECRUITING")
        )
    )
    print(f"  imported {summary.created} trials, {len(sites)} recruiting sites", flush=True)
    now = utcnow()
    started = time.perf_counter()
    rows = []
    for number in range(count):
        site_id, trial_id, facility, country = sites[number % len(sites)]
        created = now - timedelta(days=365) * (count - number) / count
        answered = rng.random() < 0.85
        first_response = add_working_days(created, rng.randint(0, 6), country) if answered else None
        if first_response is not None and first_response > now:
            first_response = None
        old = created < now - timedelta(days=LOOKBACK_DAYS)
        rows.append(
            {
                "public_id": secrets.token_urlsafe(16),
                "trial_id": trial_id,
                "site_id": site_id,
                "facility_name": facility or "Site",
                "first_name": f"Patient{number}",
                "last_name": "Bench",
                "email": f"patient{number}@example.org",
                "phone": "+13125550142",
                "language": "en",
                "message": None,
                "consent_at": created,
                "consent_version": "2026-11-25",
                "status": "contacted" if first_response else "new",
                "recipients": ["site@example.org"],
                "needs_phone_call": False,
                "recipient_kind": "site_contact",
                "first_response_at": first_response,
                "status_nonce": secrets.token_hex(16),
                "reminded_at": created + timedelta(days=3) if old and not first_response else None,
                "escalated_at": created + timedelta(days=8) if old and not first_response else None,
                "created_at": created,
                "updated_at": created,
            }
        )
        if len(rows) == 5000:
            db.session.execute(insert(ContactRequest), rows)
            rows = []
    if rows:
        db.session.execute(insert(ContactRequest), rows)
    db.session.commit()
    db.session.execute(text("ANALYZE"))  # the planner must know the table's size, as a running portal's does
    db.session.commit()
    print(f"  wrote {count:,} requests in {time.perf_counter() - started:.1f} s", flush=True)


def new_requests(count: int) -> None:
    from sqlalchemy import insert, select

    from portal.extensions import db
    from portal.models import ContactRequest, Site
    from portal.models.base import utcnow

    site_id, trial_id = db.session.execute(select(Site.id, Site.trial_id).where(Site.status == "RECRUITING")).first()
    now = utcnow()
    db.session.execute(
        insert(ContactRequest),
        [
            {
                "public_id": secrets.token_urlsafe(16),
                "trial_id": trial_id,
                "site_id": site_id,
                "facility_name": "Site",
                "first_name": "New",
                "last_name": "Bench",
                "email": f"new{number}@example.org",
                "phone": "+13125550142",
                "consent_at": now,
                "consent_version": "2026-11-25",
                "status": "new",
                "recipients": ["site@example.org"],
                "needs_phone_call": False,
                "recipient_kind": "site_contact",
                "status_nonce": secrets.token_hex(16),
                "created_at": now,
                "updated_at": now,
            }
            for number in range(count)
        ],
    )
    db.session.commit()


def timed_pass(label: str) -> list[str]:
    from sqlalchemy import func, select

    from portal.contact.follow_up import run_follow_ups
    from portal.extensions import db
    from portal.models import OutboxEmail

    started = time.perf_counter()
    summary = run_follow_ups(db.session)
    elapsed = time.perf_counter() - started
    emails = db.session.scalar(select(func.count()).select_from(OutboxEmail))
    db.session.commit()
    left = "" if summary.complete else "yes"
    return [label, f"{summary.reminders:,}", f"{summary.escalations:,}", f"{emails:,}", left, f"{elapsed:.2f}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL database to recreate (name must start with 'bench')")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-follow-ups-") as tmp:
        url = fresh_database(args.database_url, Path(tmp))
        try:
            from portal import create_app

            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": url,
                    "SECRET_KEY": random_secret(),
                    "OUTBOX_DELIVERY": "manual",
                    "PORTAL_BASE_URL": "https://trials.example.org",
                    "FOLLOW_UP_LOOKBACK_DAYS": LOOKBACK_DAYS,
                    "EMBED_AFTER_IMPORT": False,
                }
            )
            logging.getLogger().setLevel(logging.WARNING)
            print(f"Follow-up scheduler on {redact(url)}; {machine_line()}")
            with app.app_context():
                build(args.requests, args.seed)
                rows = [timed_pass("backlog pass 1")]
                while rows[-1][4]:  # more left: the worker's next passes go on
                    rows.append(timed_pass(f"backlog pass {len(rows) + 1}"))
                rows.append(timed_pass("next pass (nothing due)"))
                new_requests(500)
                rows.append(timed_pass("next pass (+500 new)"))
            print_table(rows, ["pass", "reminders", "escalations", "outbox rows", "more left", "seconds"])
        finally:
            drop_database_quietly(args.database_url, keep=args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
