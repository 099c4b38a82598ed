"""Alert matching at scale: subscribers × newly imported trials, to the moment every alert email is in the outbox.

One data set per database: --trials-max synthetic trials made from the real full records in tests/data/ctgov-bulk
and portal/demo_trials (unique NCT9… IDs, set to recruiting with recruiting sites, as a new trial is), imported by
the real importer, and --subscribers-max confirmed subscribers written in bulk. Subscribers follow 1 to 3 conditions
drawn from real condition names (half from these trials, half from a list of common conditions), live near a real
site of these trials (a few km of jitter) or choose "anywhere" (20%), with radii of 25, 50 or 100 miles; 80% want
alerts at once, 20% a weekly digest (not due in these runs, so their alerts are written but not emailed).

Each measured run starts with no alerts and no outbox rows; only the first S subscribers are active and only the
newest T trials opened after they confirmed. It times `run_alerts`' two steps separately: matching (INSERT ...
SELECT into trial_alerts) and writing emails (render + outbox rows), and prints the total: the time until every
alert is enqueued in the outbox. Sizes: S in --subscribers with T = max, then T in --trials with S = max.

    .venv/bin/python bench/alerts_matching.py                                  # SQLite in a temp dir
    .venv/bin/python bench/alerts_matching.py --database-url postgresql+psycopg://127.0.0.1:5432/bench_alerts
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from benchlib import (
    BenchError,
    drop_database_quietly,
    fresh_database,
    machine_line,
    print_table,
    random_secret,
    redact,
)
from import_speed import full_records

COMMON_CONDITIONS = [
    "breast cancer", "lung cancer", "prostate cancer", "type 2 diabetes", "heart failure", "asthma", "COPD",
    "depression", "obesity", "hypertension", "lupus", "rheumatoid arthritis", "multiple sclerosis", "migraine",
    "Alzheimer disease", "Parkinson disease", "HIV", "hepatitis C", "psoriasis", "Crohn disease", "leukemia",
    "lymphoma", "melanoma", "stroke", "chronic kidney disease", "atrial fibrillation", "osteoarthritis",
    "schizophrenia", "autism", "sickle cell disease",
]  # fmt: skip
RADII_MILES = (25, 50, 100)


def synthetic_trials(count: int) -> list[dict]:  # type: ignore[type-arg]
    bases = full_records()
    if not bases:
        raise BenchError("no full records in tests/data/ctgov-bulk or portal/demo_trials")
    studies = []
    for number in range(count):
        study = json.loads(bases[number % len(bases)])
        protocol = study["protocolSection"]
        protocol["identificationModule"]["nctId"] = f"NCT9{number:07d}"
        protocol["statusModule"]["overallStatus"] = "RECRUITING"
        for location in (protocol.get("contactsLocationsModule") or {}).get("locations") or []:
            location["status"] = "RECRUITING"
        studies.append(study)
    return studies


def build(app, trials: int, subscribers: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, update

    from portal.ctgov.importer import import_records
    from portal.ctgov.sources import SourceRecord
    from portal.ctgov.terms import normalise_term
    from portal.extensions import db
    from portal.geo import KM_PER_MILE, bounding_box
    from portal.models import Site, Subscriber, SubscriberCondition, Trial, TrialCondition
    from portal.models.base import utcnow

    rng = random.Random(seed)
    upgrade()
    started = time.perf_counter()
    records = [SourceRecord(Path("synthetic.json"), i, s) for i, s in enumerate(synthetic_trials(trials))]
    summary = import_records(db.session, [records])
    print(f"  imported {summary.created} trials in {time.perf_counter() - started:.1f} s", flush=True)
    # Trials open one second apart, newest last, so "the newest T" is a simple cut-off.
    base = utcnow() - timedelta(days=1)
    ids = list(db.session.scalars(select(Trial.id).order_by(Trial.id)))
    db.session.execute(
        update(Trial), [{"id": trial_id, "opened_at": base + timedelta(seconds=i)} for i, trial_id in enumerate(ids)]
    )
    names = sorted(set(db.session.scalars(select(TrialCondition.name))))
    points = [
        tuple(p) for p in db.session.execute(select(Site.latitude, Site.longitude).where(Site.latitude.is_not(None)))
    ]
    db.session.commit()
    started = time.perf_counter()
    confirmed = base - timedelta(days=1)
    batch, condition_rows = [], []
    for number in range(subscribers):
        anywhere = rng.random() < 0.2
        row = {
            "id": number + 1,
            "email": f"subscriber{number}@example.org",
            "status": "active",
            "frequency": "weekly" if rng.random() < 0.2 else "immediate",
            "language": "en",
            "distance_unit": "mi",
            "token_nonce": secrets.token_hex(16),
            "confirmed_at": confirmed,
            "created_at": confirmed,
            "updated_at": confirmed,
            "place_label": None,
            "latitude": None,
            "longitude": None,
            "radius_km": None,
            "min_latitude": None,
            "max_latitude": None,
            "min_longitude": None,
            "max_longitude": None,
        }
        if not anywhere and points:
            lat, lon = rng.choice(points)
            lat, lon = lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05)
            radius = rng.choice(RADII_MILES) * KM_PER_MILE
            box = bounding_box(lat, lon, radius)
            row.update(place_label="Somewhere", latitude=lat, longitude=lon, radius_km=radius)
            row.update(min_latitude=box[0], max_latitude=box[1], min_longitude=box[2], max_longitude=box[3])
        batch.append(row)
        labels = set()
        for _ in range(rng.randint(1, 3)):
            labels.add(rng.choice(names) if names and rng.random() < 0.5 else rng.choice(COMMON_CONDITIONS))
        phrases = {normalise_term(label): label for label in labels}
        condition_rows.extend(
            {"subscriber_id": number + 1, "label": label[:200], "phrase": phrase} for phrase, label in phrases.items()
        )
        if len(batch) >= 5000:
            db.session.execute(insert(Subscriber), batch)
            db.session.execute(insert(SubscriberCondition), condition_rows)
            batch, condition_rows = [], []
    if batch:
        db.session.execute(insert(Subscriber), batch)
        db.session.execute(insert(SubscriberCondition), condition_rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"  wrote {subscribers} subscribers in {time.perf_counter() - started:.1f} s", flush=True)


def measure(app, active: int, new_trials: int) -> list[str]:  # type: ignore[no-untyped-def]
    from sqlalchemy import delete, func, select, update

    from portal.alerts.matching import match_new_trials
    from portal.alerts.notices import notify_waiting
    from portal.extensions import db
    from portal.models import AlertRun, OutboxEmail, Subscriber, Trial, TrialAlert
    from portal.models.alert import IMMEDIATE, WEEKLY

    db.session.execute(delete(OutboxEmail))
    db.session.execute(delete(TrialAlert))
    db.session.execute(delete(AlertRun))
    db.session.execute(update(Subscriber).values(status="active"))
    db.session.execute(update(Subscriber).where(Subscriber.id > active).values(status="pending"))
    newest = list(db.session.scalars(select(Trial.opened_at).order_by(Trial.opened_at.desc()).limit(new_trials)))
    since = newest[-1]
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # The mass updates above are the bench's doing; autovacuum would have refreshed the statistics by now.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE subscribers")
    now = newest[0] + timedelta(seconds=1)
    started = time.perf_counter()
    alerts = match_new_trials(db.session, now, since)
    matched = time.perf_counter()
    emails = notify_waiting(db.session, IMMEDIATE, now).emails + notify_waiting(db.session, WEEKLY, now).digests
    done = time.perf_counter()
    outbox = db.session.scalar(select(func.count()).select_from(OutboxEmail))
    db.session.commit()
    assert outbox == emails, (outbox, emails)
    return [
        f"{active:,}",
        f"{new_trials:,}",
        f"{alerts:,}",
        f"{emails:,}",
        f"{matched - started:.2f}",
        f"{done - matched:.2f}",
        f"{done - started:.2f}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL database to recreate (name must start with 'bench')")
    parser.add_argument("--subscribers", default="10000,30000,100000", help="active subscriber counts to try")
    parser.add_argument("--trials", default="100,300,1000", help="new trial counts to try")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    args = parser.parse_args()
    subscriber_sizes = [int(x) for x in args.subscribers.split(",")]
    trial_sizes = [int(x) for x in args.trials.split(",")]
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as tmp:
        url = fresh_database(args.database_url, Path(tmp))
        try:
            from portal import create_app

            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": url,
                    "SECRET_KEY": random_secret(),
                    "OUTBOX_DELIVERY": "manual",
                    "PORTAL_BASE_URL": "https://trials.example.org",
                }
            )
            logging.getLogger().setLevel(logging.WARNING)
            print(f"Alert matching on {redact(url)}; {machine_line()}")
            with app.app_context():
                build(app, max(trial_sizes), max(subscriber_sizes), args.seed)
                rows = [measure(app, s, max(trial_sizes)) for s in subscriber_sizes]
                rows += [measure(app, max(subscriber_sizes), t) for t in trial_sizes if t != max(trial_sizes)]
            headers = ["subscribers", "new trials", "alerts", "emails", "match s", "emails s", "total s"]
            print_table(rows, headers, left_columns=0)
        finally:
            drop_database_quietly(args.database_url, keep=args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
