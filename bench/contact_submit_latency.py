"""Contact form submission latency under gunicorn while the web process delivers mail to a slow SMTP server.

Builds a throwaway database (SQLite in a temp dir by default), runs the migrations and imports NCT04012996 (33 US
sites, recruiting) through the flask CLI, starts a slow SMTP catcher in this process (aiosmtpd on a free loopback
port; it waits --smtp-delay seconds, default 2, before accepting each message) and `gunicorn -w 2 wsgi:app` with
OUTBOX_DELIVERY=thread (each web worker sends the outbox in a background thread) and RATELIMIT_ENABLED=false.
Then it sends --count contact requests (default 200), --concurrency at a time (default 1), each from a fresh
client session with a distinct email: GET the trial page for the CSRF token, session cookie and first recruiting
site, then POST /trials/NCT04012996/contact. Only the POST is timed, until its 302 response (headers) arrives.
Prints median/p95/p99/max (target: p95 < 100 ms on SQLite), then waits up to --drain-timeout seconds for the
outbox to drain and reports how many messages the catcher received against the 2 per request expected.
A report: exit 0 whenever it ran; 1 if some POSTs did not answer 302; 2 if something did not run.

    .venv/bin/python bench/contact_submit_latency.py [--count 200] [--concurrency 1] [--drain-timeout 120]
"""

from __future__ import annotations

import argparse
import http.client
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from benchlib import (
    CTGOV_DIR,
    REPO_ROOT,
    BenchError,
    app_env,
    drop_database_quietly,
    free_port,
    fresh_database,
    load_average,
    machine_line,
    percentile,
    redact,
    run_flask,
    stop_process,
    tail,
)
from contactlib import SmtpCatcher
from sqlalchemy import create_engine, text

TRIAL = "NCT04012996"  # 33 US sites, recruiting, with site contact emails
TARGET_P95_MS = 100.0
EMAILS_PER_REQUEST = 2  # one to the site, one copy to the patient
FORM = {
    "action": "send",
    "first_name": "Bench",
    "last_name": "Patient",
    "phone": "(312) 555-0142",
    "language": "es",
    "message": "Evenings are best.\nThank you!",
    "consent": "y",
}
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SITE_RE = re.compile(r'<option value="(\d+)"')  # the first recruiting site (closed ones have no value)
EXCEPTION_LINE_RE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception): [^\n]*", re.MULTILINE)


@dataclass
class Result:
    index: int
    status: int | None
    post_ms: float | None
    get_ms: float | None
    location: str = ""
    error: str = ""


def _cookie_header(response: http.client.HTTPResponse) -> str:
    """name=value of every Set-Cookie (a fresh client only ever has what this response gave it)."""
    pairs = [value.split(";", 1)[0].strip() for value in response.headers.get_all("Set-Cookie") or []]
    return "; ".join(pair for pair in pairs if "=" in pair)


def submit_once(port: int, index: int, timeout: float) -> Result:
    """One patient: a new connection and cookie jar, GET the page, POST the form (timed), no redirect followed."""
    try:
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request("GET", f"/trials/{TRIAL}")
            response = conn.getresponse()
            html = response.read().decode("utf-8", errors="replace")
            cookies = _cookie_header(response)
        finally:
            conn.close()
        get_ms = (time.perf_counter() - started) * 1000
        if response.status != 200:
            return Result(index, None, None, get_ms, error=f"GET answered {response.status}")
        token, site = TOKEN_RE.search(html), SITE_RE.search(html)
        if not (token and site):
            return Result(index, None, None, get_ms, error="the trial page has no contact form")
        body = urlencode(
            {**FORM, "email": f"bench-{index}@example.org", "csrf_token": token.group(1), "site": site.group(1)}
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            started = time.perf_counter()
            conn.request("POST", f"/trials/{TRIAL}/contact", body=body, headers=headers)
            response = conn.getresponse()
            post_ms = (time.perf_counter() - started) * 1000
            response.read()
        finally:
            conn.close()
        return Result(index, response.status, post_ms, get_ms, location=response.headers.get("Location", ""))
    except (OSError, http.client.HTTPException) as exc:
        return Result(index, None, None, None, error=f"{type(exc).__name__}: {exc}")


def wait_for_health(port: int, server: subprocess.Popen[bytes], log_path: Path, timeout: float = 60.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() < start + timeout:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with {server.returncode} before answering:\n{tail(log_path)}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer /healthz within {timeout:.0f}s:\n{tail(log_path)}")


def outbox_counts(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, count(*) FROM outbox_emails GROUP BY status"))
        return {status: int(count) for status, count in rows}


def fmt_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {counts.get(name, 0)}" for name in ("pending", "sending", "sent", "failed"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200, help="contact requests to send (default 200)")
    parser.add_argument("--concurrency", type=int, default=1, help="parallel clients (default 1: one after another)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument(
        "--smtp-delay", type=float, default=2.0, help="seconds the catcher waits before accepting a message (default 2)"
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=120.0,
        help="seconds to wait after the last request for all mail to arrive (default 120)",
    )
    parser.add_argument("--request-timeout", type=float, default=30.0, help="HTTP timeout per request (default 30)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="run against this database instead of a temp SQLite file, e.g.\n"
        "postgresql+psycopg://127.0.0.1:5432/bench_contact (dropped and recreated; the name must start with 'bench')",
    )
    parser.add_argument("--keep-database", action="store_true", help="do not drop the PostgreSQL database at the end")
    args = parser.parse_args(argv)
    if args.count < 1 or args.concurrency < 1 or args.workers < 1:
        parser.error("--count, --concurrency and --workers must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmpdir = Path(tempfile.mkdtemp(prefix="bench-contact-"))
    log_path = tmpdir / "gunicorn.log"
    server: subprocess.Popen[bytes] | None = None
    catcher: SmtpCatcher | None = None
    engine = None
    database_url: str | None = None
    try:
        record = CTGOV_DIR / f"{TRIAL}.json"
        if not record.is_file():
            raise BenchError(f"{record} is missing")
        database_url = fresh_database(args.database_url, tmpdir)
        env = app_env(database_url)  # no REDIS_URL, RATELIMIT_ENABLED=false, strong SECRET_KEY
        print(f"contact_submit_latency  {datetime.now().isoformat(timespec='seconds')}  {machine_line()}")
        print(f"database: {redact(database_url)}")
        run_flask(["db", "upgrade"], env)
        started = time.perf_counter()
        imported = run_flask(["trials", "import", "--quiet", str(record)], env)
        summary = imported.stdout.strip().splitlines()[-1] if imported.stdout.strip() else "(no summary)"
        print(f"import {record.name} (flask CLI): {summary} [{time.perf_counter() - started:.1f} s]")

        catcher = SmtpCatcher(free_port(), delay=args.smtp_delay)
        catcher.start()
        print(f"SMTP catcher: aiosmtpd on 127.0.0.1:{catcher.port} in this process, {args.smtp_delay:g} s per message")

        env.update(
            OUTBOX_DELIVERY="thread",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(catcher.port),
            RATELIMIT_ENABLED="false",
        )
        port = free_port()
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "wsgi:app"]
        with log_path.open("wb") as log:
            server = subprocess.Popen(  # noqa: S603
                cmd, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        boot = wait_for_health(port, server, log_path)
        print(
            f"gunicorn: python {' '.join(cmd[1:])} (pid {server.pid}), OUTBOX_DELIVERY=thread, "
            f"answered /healthz after {boot:.1f} s"
        )
        # One untimed page view so each code path is imported before timing starts (the first request of a worker).
        warm = submit_once(port, -1, args.request_timeout)  # a real submission, counted in the expected mail
        print(
            f"warm-up submission: status {warm.status}{' ' + warm.error if warm.error else ''} (not timed, its mail "
            "is counted)"
        )
        print(
            f"sending {args.count} contact requests, {args.concurrency} client(s) at a time, each a fresh session "
            "(GET page, then POST; only the POST is timed, up to the 302 headers)"
        )

        engine = create_engine(database_url)
        started = time.perf_counter()
        first_post = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            results = list(pool.map(lambda i: submit_once(port, i, args.request_timeout), range(args.count)))
        elapsed = time.perf_counter() - started
        after_submit = time.monotonic()
        counts_at_end = outbox_counts(engine)

        ok = [r for r in results if r.status == 302 and r.location.endswith(f"/trials/{TRIAL}/contact/sent")]
        statuses = Counter(str(r.status) if r.status is not None else "error" for r in results)
        post_times = [r.post_ms for r in ok if r.post_ms is not None]
        get_times = [r.get_ms for r in results if r.get_ms is not None]
        print()
        print(
            f"{len(results)} requests in {elapsed:.1f} s ({len(results) / elapsed:.1f} submissions/s incl. the GETs); "
            f"answers: {dict(sorted(statuses.items()))}"
        )
        if post_times:
            p95 = percentile(post_times, 95)
            print(
                f"POST latency (302s only, n={len(post_times)}): median {statistics.median(post_times):.1f} ms, "
                f"p95 {p95:.1f} ms, p99 {percentile(post_times, 99):.1f} ms, max {max(post_times):.1f} ms"
            )
            print(
                f"target: p95 < {TARGET_P95_MS:.0f} ms on SQLite: "
                f"{'PASS' if p95 < TARGET_P95_MS else 'FAIL'}"
                + ("" if database_url.startswith("sqlite") else " (measured on PostgreSQL, shown for comparison)")
            )
        else:
            print("POST latency: no POST answered 302")
        if get_times:
            print(
                f"(GET of the page, not part of the target: median {statistics.median(get_times):.1f} ms, "
                f"p95 {percentile(get_times, 95):.1f} ms)"
            )
        for r in [r for r in results if r not in ok][:5]:
            print(f"  request {r.index}: status {r.status} {r.location} {r.error}".rstrip())
        print(f"outbox when the last response arrived: {fmt_counts(counts_at_end)}")

        expected = EMAILS_PER_REQUEST * (len(ok) + (1 if warm.status == 302 else 0))
        print()
        print(f"waiting up to {args.drain_timeout:.0f} s for {expected} messages to reach the catcher ...")
        deadline = time.monotonic() + args.drain_timeout
        next_note = time.monotonic() + 30
        counts = counts_at_end
        while time.monotonic() < deadline:
            counts = outbox_counts(engine)
            if catcher.handler.received >= expected and counts.get("pending", 0) + counts.get("sending", 0) == 0:
                break
            if time.monotonic() >= next_note:
                print(f"  {catcher.handler.received} received; outbox: {fmt_counts(counts)}")
                next_note += 30
            if server.poll() is not None:
                print(f"warning: gunicorn exited with {server.returncode} while draining")
                break
            time.sleep(0.5)
        waited = time.monotonic() - after_submit
        ids, arrivals = catcher.handler.snapshot()
        received = sum(ids.values())
        duplicates = {mid: n for mid, n in ids.items() if n > 1}
        print(
            f"catcher received {received} of {expected} expected messages ({len(ids)} distinct Message-IDs, "
            f"{len(duplicates)} delivered more than once) {waited:.0f} s after the last response"
        )
        print(f"outbox now: {fmt_counts(counts)}")
        if len(arrivals) >= 2:
            span = arrivals[-1] - first_post
            rate = len(arrivals) / span if span > 0 else 0.0
            print(
                f"delivery rate seen at the catcher: {rate:.2f} messages/s since the first POST "
                f"({args.workers} web workers, one delivery thread each, {args.smtp_delay:g} s per message)"
            )
            missing = expected - received
            if missing > 0 and rate > 0:
                print(f"at that rate the remaining {missing} messages need about {missing / rate:.0f} s more")
        if received < expected:
            print("(not a failure: the outbox keeps the rest; raise --drain-timeout to wait for all of it)")

        log_text = log_path.read_text(errors="replace")
        tracebacks = log_text.count("Traceback")
        # The app answers database errors with a 503 page and logs only "database error: <type>" (no details).
        db_errors = log_text.count("database error:")
        delivery_errors = log_text.count("outbox delivery round failed")
        if tracebacks or db_errors or delivery_errors:
            print(
                f"warning: gunicorn log has {db_errors} 'database error' lines (answered 503), "
                f"{tracebacks} tracebacks, {delivery_errors} failed delivery rounds"
            )
            for line in [ln for ln in log_text.splitlines() if "ERROR" in ln or "WARNING" in ln][:10]:
                print(f"  {line}")
            # The exceptions behind the tracebacks: first line only, cut short (SQL parameters may follow).
            raised = Counter(match.group(0)[:160] for match in EXCEPTION_LINE_RE.finditer(log_text))
            for line, count in raised.most_common(5):
                print(f"  {count} x {line}")
        print(f"finished; {load_average()}")
        return 0 if len(ok) == len(results) else 1
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if engine is not None:
            engine.dispose()
        if server is not None:
            stop_process(server)
        if catcher is not None:
            catcher.stop()
        drop_database_quietly(database_url, keep=args.keep_database)
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
