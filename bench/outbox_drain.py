"""Outbox drain rate of real RQ worker processes (`flask --app portal worker`), in messages per second.

For each worker count in --workers (default 1 and 4), on a fresh database (SQLite in a temp dir by default, or
the PostgreSQL database given with --database-url, dropped and recreated each time) and a flushed Redis database
(--redis-url, default redis://127.0.0.1:6379/13):
  1. migrates the database (`flask --app portal db upgrade`), then in this process writes --messages pending outbox
     rows (default 2,000) with portal.mail.outbox.add_email inside create_app(...).app_context(), commits, and
     queues them with portal.mail.dispatch.enqueue_ids(app, portal.mail.outbox.due_ids(db.session, limit=M));
  2. starts a fast SMTP catcher in this process (aiosmtpd on a free loopback port, accepts at once) and W worker
     processes, `python -m flask --app portal worker`, with DATABASE_URL, REDIS_URL, MAIL_SERVER, MAIL_PORT,
     SECRET_KEY and PYTHONUNBUFFERED=1;
  3. polls the database until every row is `sent` (or --timeout) and reports messages/s, and checks at the
     catcher that every Message-ID arrived exactly once.
A report: exit 0 whenever every run finished; 1 if a run timed out or a message was missing or duplicated;
2 if something did not run.

    .venv/bin/python bench/outbox_drain.py [--messages 2000] [--workers 1,4] [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from benchlib import (
    REPO_ROOT,
    BenchError,
    app_env,
    drop_database_quietly,
    free_port,
    fresh_database,
    load_average,
    machine_line,
    print_table,
    redact,
    run_flask,
    stop_process,
    tail,
)
from contactlib import SmtpCatcher
from redis import Redis
from redis.exceptions import RedisError

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"


@dataclass
class RunResult:
    workers: int
    messages: int
    write_s: float = 0.0
    enqueue_s: float = 0.0
    queued: int = 0
    ready_s: float | None = None  # launch -> first worker logged "Listening on"
    first_sent_s: float | None = None  # launch -> the poll that first saw a sent row
    done_s: float | None = None  # launch -> the poll that saw every row sent
    sent: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    span_s: float | None = None  # first sent_at -> last sent_at (from the database)
    retried: int = 0  # rows that needed more than one attempt
    delivered_once: int = 0
    missing: int = 0
    duplicated: int = 0
    unexpected: int = 0
    failed_jobs: int = 0
    log_problems: dict[str, int] = field(default_factory=dict)
    per_worker_jobs: list[int] = field(default_factory=list)
    worker_cpu_s: float = 0.0  # user+system CPU of all worker processes, read just before stopping them
    bench_cpu_s: float = 0.0  # this process (SMTP catcher + database poller) while the workers ran
    timed_out: bool = False

    @property
    def rate(self) -> float | None:
        return self.sent / self.done_s if self.done_s else None

    @property
    def steady_rate(self) -> float | None:
        return (self.sent - 1) / self.span_s if self.span_s and self.sent > 1 else None


def worker_env(database_url: str, redis_url: str, mail_port: int) -> dict[str, str]:
    env = app_env(database_url)  # development mode, strong SECRET_KEY, PYTHONUNBUFFERED=1, no stray REDIS_URL
    env.update(
        REDIS_URL=redis_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(mail_port),
        PYTHONUNBUFFERED="1",
    )
    env.pop("OUTBOX_DELIVERY", None)  # REDIS_URL set -> "rq"
    return env


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a running process from /proc (Linux); 0.0 when unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def flush_redis(redis_url: str, note: bool = False) -> None:
    client = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
    try:
        keys = client.dbsize()
        if note and keys:
            print(f"  (Redis {redis_url} held {keys} keys before this run; flushed)")
        client.flushdb()
    except RedisError as exc:
        raise BenchError(f"Redis at {redis_url} is not usable: {exc}") from exc
    finally:
        client.close()


def one_run(args: argparse.Namespace, workers: int, tmpdir: Path) -> RunResult:
    """A fresh database and Redis DB, M queued rows, W worker processes until every row is sent."""
    from sqlalchemy import func, select

    from portal import create_app
    from portal.extensions import db
    from portal.mail.dispatch import enqueue_ids, mail_queue
    from portal.mail.outbox import add_email, due_ids
    from portal.mail.rendering import RenderedEmail
    from portal.models.outbox import SENT, OutboxEmail

    result = RunResult(workers=workers, messages=args.messages)
    run_dir = tmpdir / f"w{workers}"
    run_dir.mkdir()
    database_url = fresh_database(args.database_url, run_dir)
    catcher = SmtpCatcher(free_port(), delay=0.0)
    env = worker_env(database_url, args.redis_url, catcher.port)
    app = None
    processes: list[tuple[subprocess.Popen[bytes], Path, IO[bytes]]] = []
    try:
        flush_redis(args.redis_url, note=True)
        run_flask(["db", "upgrade"], env)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "REDIS_URL": args.redis_url,
                "OUTBOX_DELIVERY": "rq",
                "PORTAL_ENV": "development",
                "SECRET_KEY": env["SECRET_KEY"],
                "RATELIMIT_ENABLED": False,
            }
        )
        # create_app sets up INFO logging; keep this process (and the catcher's mail.log) quiet.
        logging.getLogger().setLevel(logging.WARNING)
        with app.app_context():
            started = time.perf_counter()
            for i in range(args.messages):
                add_email(
                    db.session,
                    kind="bench",
                    recipients=[f"person{i}@example.org"],
                    email=RenderedEmail(f"Bench message {i}", f"Hello {i}\n", f"<p>Hello {i}</p>"),
                )
            db.session.commit()
            result.write_s = time.perf_counter() - started
            started = time.perf_counter()
            result.queued = enqueue_ids(app, due_ids(db.session, limit=args.messages))
            result.enqueue_s = time.perf_counter() - started
            expected_ids = set(db.session.scalars(select(OutboxEmail.message_id)))
            db.session.remove()
        if result.queued != args.messages:
            raise BenchError(f"enqueue_ids queued {result.queued} jobs for {args.messages} rows")

        catcher.start()
        launch = time.monotonic()
        cpu_before = time.process_time()
        for n in range(workers):
            log_path = run_dir / f"worker-{n}.log"
            log_file = log_path.open("wb")
            process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "flask", "--app", "portal", "worker"],
                cwd=REPO_ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            processes.append((process, log_path, log_file))

        deadline = launch + args.timeout
        sent = 0
        with app.app_context():
            while True:
                now = time.monotonic()
                sent = db.session.scalar(select(func.count()).where(OutboxEmail.status == SENT)) or 0
                db.session.rollback()  # end the read transaction so the next poll sees new commits
                if sent and result.first_sent_s is None:
                    result.first_sent_s = now - launch
                if result.ready_s is None and any("Listening on" in tail(p, 200) for _, p, _ in processes):
                    result.ready_s = now - launch
                if sent >= args.messages:
                    result.done_s = now - launch
                    break
                if now > deadline:
                    result.timed_out = True
                    break
                if all(process.poll() is not None for process, _, _ in processes):
                    raise BenchError(
                        f"all {workers} workers exited before the outbox drained:\n{tail(processes[0][1])}"
                    )
                time.sleep(args.poll_interval)
            result.sent = sent
            result.statuses = dict(
                db.session.execute(select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)).tuples().all()
            )
            first, last = db.session.execute(select(func.min(OutboxEmail.sent_at), func.max(OutboxEmail.sent_at))).one()
            if first and last:
                result.span_s = (last - first).total_seconds()
            result.retried = db.session.scalar(select(func.count()).where(OutboxEmail.attempts > 1)) or 0
            db.session.remove()

        result.worker_cpu_s = sum(process_cpu_seconds(process.pid) for process, _, _ in processes)
        result.bench_cpu_s = time.process_time() - cpu_before
        time.sleep(0.5)  # a message is accepted before its row says sent; nothing should still be arriving
        ids, _ = catcher.handler.snapshot()
        result.delivered_once = sum(1 for mid in expected_ids if ids.get(mid) == 1)
        result.missing = sum(1 for mid in expected_ids if ids.get(mid, 0) == 0)
        result.duplicated = sum(1 for mid in expected_ids if ids.get(mid, 0) > 1)
        result.unexpected = sum(n for mid, n in ids.items() if mid not in expected_ids)
        try:
            result.failed_jobs = mail_queue(app).failed_job_registry.count
        except RedisError:
            result.failed_jobs = -1
        return result
    finally:
        for process, _, _ in processes:
            stop_process(process)
        for _process, log_path, log_file in processes:
            log_file.close()
            text = log_path.read_text(errors="replace")
            result.per_worker_jobs.append(text.count("Job OK"))
            for needle in (
                "Traceback",
                "database is locked",
                "not sent (attempt",
                "failed for good",
                "FailedJobRegistry",
                "outbox sweep failed",
            ):
                if count := text.count(needle):
                    result.log_problems[needle] = result.log_problems.get(needle, 0) + count
        catcher.stop()
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            for client in app.extensions.get("redis", {}).values():
                client.close()
        try:
            flush_redis(args.redis_url)
        except BenchError as exc:
            print(f"warning: {exc}", file=sys.stderr)
        drop_database_quietly(database_url, keep=args.keep_database)


def fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000, help="outbox rows per run (default 2000)")
    parser.add_argument("--workers", default="1,4", help="comma-separated worker counts, one run each (default 1,4)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a run may take to drain (default 300)")
    parser.add_argument("--poll-interval", type=float, default=0.1, help="seconds between database polls")
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help=f"Redis database to use; FLUSHED before and after every run (default {DEFAULT_REDIS_URL})",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="run against this database instead of a temp SQLite file, e.g.\n"
        "postgresql+psycopg://127.0.0.1:5432/bench_outbox (dropped and recreated for every run; the name must "
        "start with 'bench')",
    )
    parser.add_argument("--keep-database", action="store_true", help="do not drop the PostgreSQL database at the end")
    args = parser.parse_args(argv)
    try:
        args.worker_counts = [int(part) for part in args.workers.split(",") if part.strip()]
    except ValueError:
        parser.error("--workers takes comma-separated whole numbers, e.g. 1,4")
    if not args.worker_counts or min(args.worker_counts) < 1 or args.messages < 1:
        parser.error("--workers and --messages must be at least 1")
    if args.redis_url.rstrip("/").endswith("/0") or "/" not in args.redis_url.split("//", 1)[-1]:
        parser.error("--redis-url must name a spare database number (not 0), e.g. redis://127.0.0.1:6379/13")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmpdir = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    results: list[RunResult] = []
    try:
        print(f"outbox_drain  {datetime.now().isoformat(timespec='seconds')}  {machine_line()}")
        backend = redact(args.database_url) if args.database_url else "SQLite in a temp dir"
        print(f"database: {backend} (fresh for each run); Redis: {args.redis_url} (flushed before and after each run)")
        print(
            f"{args.messages} outbox rows per run, queued as RQ jobs before the workers start; the catcher is "
            "aiosmtpd in this process (accepts at once); time is counted from launching the worker processes"
        )
        for workers in args.worker_counts:
            print(f"run: {workers} worker(s) ...", flush=True)
            result = one_run(args, workers, tmpdir)
            results.append(result)
            print(
                f"  wrote {result.messages} rows in {result.write_s:.2f} s, queued {result.queued} jobs in "
                f"{result.enqueue_s:.2f} s; jobs done per worker ('Job OK' in their logs): {result.per_worker_jobs}"
                + (
                    f"; CPU: workers {result.worker_cpu_s:.1f} s ({1000 * result.worker_cpu_s / result.sent:.1f} ms"
                    f"/message), this process (catcher + poller) {result.bench_cpu_s:.1f} s"
                    if result.sent
                    else ""
                )
                + ("  TIMED OUT" if result.timed_out else "")
            )

        print()
        rows = []
        for r in results:
            rows.append(
                [
                    str(r.workers),
                    f"{r.sent}/{r.messages}",
                    fmt(r.ready_s),
                    fmt(r.first_sent_s),
                    fmt(r.done_s) if not r.timed_out else f">{args.timeout:.0f}",
                    fmt(r.rate),
                    fmt(r.steady_rate),
                    f"{r.delivered_once}",
                    f"{r.missing}",
                    f"{r.duplicated}",
                    f"{r.retried}",
                    f"{r.failed_jobs}",
                ]
            )
        print_table(
            rows,
            [
                "workers",
                "sent",
                "ready s",
                "1st sent s",
                "all sent s",
                "msg/s",
                "steady msg/s",
                "exactly once",
                "missing",
                "dup",
                "retried",
                "failed jobs",
            ],
        )
        print(
            "s = seconds after launching the workers; ready = first worker logged 'Listening on'; msg/s = sent rows /"
            " 'all sent s' (includes start-up);\nsteady msg/s = rows between the first and last sent_at in the "
            "database; exactly once/missing/dup = Message-IDs counted at the catcher;\nretried = rows with more "
            "than one attempt; failed jobs = RQ's failed job registry"
        )
        if len(results) >= 2 and results[0].steady_rate and results[-1].steady_rate:
            steady = results[-1].steady_rate / results[0].steady_rate
            overall = (results[-1].rate or 0) / (results[0].rate or 1)
            print(
                f"scaling {results[0].workers} -> {results[-1].workers} workers: x{steady:.2f} (steady), "
                f"x{overall:.2f} (incl. start-up); workers, the catcher and this poller share the machine's CPUs"
            )
        bad = False
        for r in results:
            verdict = (
                "every message arrived exactly once"
                if r.delivered_once == r.messages and not r.unexpected
                else f"NOT exactly once: {r.missing} missing, {r.duplicated} duplicated, {r.unexpected} unexpected"
            )
            print(f"W={r.workers}: {verdict}; outbox statuses {r.statuses}")
            if r.log_problems:
                print(f"  worker logs mention: {r.log_problems}")
            bad = bad or r.timed_out or r.delivered_once != r.messages or bool(r.unexpected)
        print(f"finished; {load_average()}")
        return 1 if bad else 0
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
