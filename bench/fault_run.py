"""Fault and hostile-input run against the real portal: what patients' contact requests get through Redis, SMTP
and worker faults, whether every email still arrives, and how the live server answers the hostile-input corpus.

Set-up, all on 127.0.0.1 and all stopped in a `finally`: a fresh PostgreSQL database (--database-url, default
postgresql+psycopg://127.0.0.1:5432/bench_fault, dropped at the end), migrated and loaded with portal/demo_trials;
a redis-server of its own on a free port; an aiosmtpd server in this process whose behaviour is switched at run
time; gunicorn with 2 workers; two RQ mail workers (`flask --app portal worker`). Logs go to a temp dir.

Seven phases of --per-phase contact requests each, through the real form (baseline; Redis down; SMTP down; SMTP
hanging in DATA; SMTP 451 to every RCPT; kill -9 of a mail worker; SMTP 550 for one of a site's two recipients).
After each phase the fault is lifted and the outbox drains; then the mail is counted (expected, received by
Message-ID, refused for good, lost, duplicated) and the hostile corpus (tests/hostile/corpus.py) is sent to every
public entry point. Exit status: 0 when the run completed, whatever the numbers; 1 if any 5xx, unanswered request
or lost email was seen; 2 if the set-up failed or a server died.

    .venv/bin/python bench/fault_run.py [--per-phase 25] [--redis-down-seconds 20] [--skip-corpus]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import requests
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
from contact_submit_latency import wait_for_health
from contactlib import CountingHandler, SmtpCatcher
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.contact.helpers import TRIAL, VALID
from tests.hostile.corpus import JSON_BODIES, VALUES, encode, form_body, json_body, query
from tests.notes.helpers import NOTE
from tests.processes import RedisServer

DEFAULT_DATABASE_URL = "postgresql+psycopg://127.0.0.1:5432/bench_fault"
DEMO_TRIALS = REPO_ROOT / "portal" / "demo_trials"
MAIL_TIMEOUT = 3
STALL_SECONDS = MAIL_TIMEOUT + 5  # a hanging server stalls in DATA past the portal's timeout
CLAIM_LEASE_SECONDS = 10  # a killed worker's half-sent row is sent again after this (default 300, past the run)
HIGH_LIMIT = "100000 per minute"
EMAILS_PER_REQUEST = 2  # one to the site, one copy to the patient
PHASE_DRAIN_SECONDS = 30.0
FINAL_DRAIN_SECONDS = 120.0
REQUEST_TIMEOUT = 20.0
FORM = "application/x-www-form-urlencoded"
TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SITE_RE = re.compile(r'<option value="(\d+)" selected')
FIRST_SITE_RE = re.compile(r'<option value="(\d+)"')  # not-recruiting sites are listed without a value
ACCESS_5XX_RE = re.compile(r'" 5\d\d ')
EMAIL_RE = re.compile(r"^fault-p(\d+)-")

NORMAL, DOWN, HANGING, TEMPORARY, REFUSE_ONE = "normal", "down", "hanging", "451", "550 one"


class FaultHandler(CountingHandler):
    """Counts messages by Message-ID, like the other benchmarks' catcher, with faults switched at run time.

    A hanging server keeps nothing: after the stall it answers 451 to a client that has long given up.
    """

    def __init__(self) -> None:
        super().__init__()
        self.mode = NORMAL
        self.refused_address = ""
        self.replies: Counter[str] = Counter()
        self.refused_for_good: set[str] = set()

    def _note(self, reply: str) -> None:
        with self._lock:
            self.replies[reply] += 1

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:  # noqa: N802
        mode = self.mode
        if mode == TEMPORARY:
            self._note("451 to RCPT")
            return "451 4.3.2 Try again later (fault run)"
        if mode == REFUSE_ONE and address.lower() == self.refused_address:
            self._note("550 to RCPT")
            with self._lock:
                self.refused_for_good.add(address.lower())
            return "550 5.1.1 Mailbox unavailable (fault run)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.mode == HANGING:  # decided on arrival: a stalled message stays stalled when the mode changes
            self._note(f"DATA stalled {STALL_SECONDS} s")
            await asyncio.sleep(STALL_SECONDS)
            return "451 4.4.2 Timed out (fault run, nothing kept)"
        return await super().handle_DATA(server, session, envelope)


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path
    output: IO[bytes]
    killed: bool = False


class Rig:
    """The database, Redis, SMTP, gunicorn and mail workers of one run, and what it reads from them."""

    def __init__(self, args: argparse.Namespace, tmpdir: Path) -> None:
        self.args = args
        self.tmpdir = tmpdir
        self.database_url: str | None = None
        self.engine: Engine | None = None
        self.redis = RedisServer(free_port(), tmpdir)
        self.handler = FaultHandler()
        self.smtp = SmtpCatcher(free_port())
        self.smtp.handler = self.handler
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen[bytes] | None = None
        self.server_log = tmpdir / "gunicorn.log"
        self.workers: list[Worker] = []
        self.env: dict[str, str] = {}

    def set_up(self) -> None:
        started = time.perf_counter()
        self.database_url = fresh_database(self.args.database_url, self.tmpdir)
        print(f"database: {redact(self.database_url)} (fresh; dropped at the end)")
        try:
            self.redis.start()
        except (AssertionError, OSError) as exc:
            raise BenchError(f"redis-server on port {self.redis.port} did not start: {exc}") from exc
        print(f"Redis: redis-server of its own at {self.redis.url} (pid {self.redis.process.pid})")  # type: ignore[union-attr]
        self.smtp.start()
        print(f"SMTP: aiosmtpd on 127.0.0.1:{self.smtp.port} in this process (faults switched at run time)")
        self.env = app_env(self.database_url)  # development mode, a random SECRET_KEY, no stray REDIS_URL
        self.env.pop("OUTBOX_DELIVERY", None)  # REDIS_URL set: the RQ workers send the mail
        self.env.update(
            REDIS_URL=self.redis.url,
            RATELIMIT_ENABLED="true",  # limits on, in Redis (and in memory while it is down), set high
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(self.smtp.port),
            MAIL_TIMEOUT=str(MAIL_TIMEOUT),
            PORTAL_BASE_URL=self.base,
            OUTBOX_SWEEP_SECONDS="1",
            OUTBOX_RETRY_DELAYS="1,2,3,5,8",
            OUTBOX_CLAIM_LEASE_SECONDS=str(CLAIM_LEASE_SECONDS),
            ALERTS_RUN_SECONDS="0",
            LOCKOUT_IP_FAILURES="100000",
            LOCKOUT_ACCOUNT_FAILURES="100000",
        )
        for name in (
            "CONTACT_RATE_LIMIT_IP",
            "CONTACT_RATE_LIMIT_EMAIL",
            "ALERTS_RATE_LIMIT_IP",
            "ALERTS_RATE_LIMIT_EMAIL",
            "API_RATE_LIMIT",
            "NOTES_UNLOCK_RATE_LIMIT_IP",
            "NOTES_SHARE_RATE_LIMIT_IP",
            "NOTES_EMAIL_RATE_LIMIT_SHARE",
            "SIGN_IN_RATE_LIMIT",
        ):
            self.env[name] = HIGH_LIMIT
        run_flask(["db", "upgrade"], self.env)
        imported = run_flask(["trials", "import", "--quiet", str(DEMO_TRIALS)], self.env)
        lines = imported.stdout.strip().splitlines()
        print(f"import portal/demo_trials (flask CLI): {lines[-1] if lines else '(no summary)'}")
        self.engine = create_engine(self.database_url, pool_pre_ping=True)
        cmd = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
               "--graceful-timeout", "5", "--access-logfile", "-", "wsgi:app"]  # fmt: skip
        with self.server_log.open("wb") as log:
            self.server = subprocess.Popen(  # noqa: S603
                cmd, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        boot = wait_for_health(self.port, self.server, self.server_log)
        print(f"gunicorn: 2 workers at {self.base} (pid {self.server.pid}), /healthz after {boot:.1f} s")
        for _ in range(2):
            self.start_worker()
        print(
            f"mail workers: pids {', '.join(str(w.process.pid) for w in self.workers)}; MAIL_TIMEOUT={MAIL_TIMEOUT}, "
            f"OUTBOX_RETRY_DELAYS=1,2,3,5,8, OUTBOX_SWEEP_SECONDS=1, OUTBOX_CLAIM_LEASE_SECONDS={CLAIM_LEASE_SECONDS}"
        )
        print(f"set-up took {time.perf_counter() - started:.1f} s; logs in {self.tmpdir}")

    def start_worker(self) -> Worker:
        log = self.tmpdir / f"worker-{len(self.workers)}.log"
        output = log.open("wb")
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "flask", "--app", "portal", "worker"],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker = Worker(process, log, output)
        self.workers.append(worker)
        deadline = time.monotonic() + 60
        while "Listening on" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"mail worker {log.name} did not start (exit {process.poll()}):\n{tail(log)}")
            time.sleep(0.2)
        return worker

    def live_workers(self) -> list[Worker]:
        return [w for w in self.workers if w.process.poll() is None]

    def check_processes(self) -> list[str]:
        """gunicorn must be up; a mail worker that died on its own is reported and replaced."""
        if self.server is None or self.server.poll() is not None:
            raise BenchError(f"gunicorn is gone (exit {self.server and self.server.poll()}):\n{tail(self.server_log)}")
        notes = []
        for worker in self.workers:
            if not worker.killed and worker.process.poll() is not None:
                worker.killed = True  # replaced once
                notes.append(f"mail worker {worker.log.name} exited {worker.process.returncode} by itself; replaced")
                self.start_worker()
        return notes

    def set_smtp(self, mode: str) -> None:
        if mode == DOWN:
            self.smtp.stop()
            return
        if self.smtp.controller is None:
            self.smtp.start()
        self.handler.mode = mode

    def rows(self, sql: str, **params: Any) -> list[Any]:
        assert self.engine is not None
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params))

    def count(self, sql: str, **params: Any) -> int:
        return int(self.rows(sql, **params)[0][0])

    def statuses(self) -> dict[str, int]:
        return {s: int(n) for s, n in self.rows("SELECT status, count(*) FROM outbox_emails GROUP BY status")}

    def in_flight(self, prefix: str = "") -> int:
        """Outbox rows pending or sending: all of them, or those of the patients whose address starts so."""
        if not prefix:
            return self.count("SELECT count(*) FROM outbox_emails WHERE status IN ('pending', 'sending')")
        return self.count(
            "SELECT count(*) FROM outbox_emails o JOIN contact_requests c ON c.id = o.contact_request_id "
            "WHERE c.email LIKE :prefix AND o.status IN ('pending', 'sending')",
            prefix=prefix + "%",
        )

    def wait_drained(self, timeout: float, prefix: str = "") -> float | None:
        """Seconds until no such row is pending or sending; None if some still are after `timeout`."""
        started = time.monotonic()
        while self.in_flight(prefix):
            if time.monotonic() - started > timeout:
                return None
            time.sleep(0.5)
        return time.monotonic() - started

    def rq_jobs(self, row_id: int) -> list[tuple[str, str, str]]:
        """(job id, status, worker name) of the RQ jobs for one outbox row still in our Redis."""
        client = Redis.from_url(self.redis.url, socket_timeout=2, socket_connect_timeout=2)
        try:
            jobs = []
            for key in sorted(client.scan_iter(f"rq:job:outbox-{row_id}-*")):
                status, worker = (v.decode() if v else "-" for v in client.hmget(key, "status", "worker_name"))
                jobs.append((key.decode().removeprefix("rq:job:"), status, worker))
            return jobs
        except RedisError as exc:
            return [("?", f"unknown (Redis: {type(exc).__name__})", "-")]
        finally:
            client.close()

    def tear_down(self) -> None:
        for step in (
            *(lambda w=w: stop_process(w.process) for w in self.workers),
            lambda: self.server is not None and stop_process(self.server),
            self.redis.stop,
            self.smtp.stop,
            lambda: self.engine is not None and self.engine.dispose(),
        ):
            try:
                step()
            except Exception as exc:  # noqa: BLE001  (stop everything else, whatever one step does)
                print(f"warning: clean-up step failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        for worker in self.workers:
            worker.output.close()
        drop_database_quietly(self.database_url)


def patient_email(phase: int, index: int) -> str:
    return f"fault-p{phase}-{index}@example.org"


def send_contact(base: str, email: str) -> tuple[int | None, str]:
    """A fresh visitor: GET the trial page, read the form token and site, POST the form. (status, error)."""
    browser = requests.Session()
    try:
        page = browser.get(f"{base}/trials/{TRIAL}", timeout=REQUEST_TIMEOUT)
        if page.status_code != 200:
            return page.status_code, f"GET /trials/{TRIAL} answered {page.status_code}"
        token, site = TOKEN_RE.search(page.text), SITE_RE.search(page.text) or FIRST_SITE_RE.search(page.text)
        if not (token and site):
            return None, "the trial page has no contact form"
        data = {**VALID, "email": email, "csrf_token": token.group(1), "site": site.group(1)}
        answer = browser.post(f"{base}/trials/{TRIAL}/contact", data=data, allow_redirects=False, timeout=30)
        return answer.status_code, "" if answer.status_code < 400 else f"POST answered {answer.status_code}"
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:200]
    finally:
        browser.close()


@dataclass
class Phase:
    number: int
    name: str
    begin: Callable[[], str | None] = lambda: None
    end: Callable[[], str | None] = lambda: None
    midway: Callable[[], str | None] | None = None
    min_seconds: float = 0.0  # the fault lasts at least this long; the requests are spread over it
    hold_until_drained: bool = False  # keep the fault until every row has been tried (a refusal must be met)


@dataclass
class PhaseResult:
    phase: Phase
    answers: list[tuple[int, int | None, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    drained_after: float | None = None
    stored: int = 0

    def by_class(self, low: int, high: int) -> int:
        return sum(1 for _i, status, _e in self.answers if status is not None and low <= status < high)

    @property
    def unanswered(self) -> int:
        return sum(1 for _i, status, _e in self.answers if status is None)


def run_phase(rig: Rig, phase: Phase, count: int) -> PhaseResult:
    result = PhaseResult(phase)
    result.notes.extend(rig.check_processes())
    print(f"phase {phase.number}: {phase.name} ...", flush=True)
    if note := phase.begin():
        result.notes.append(note)
    started = time.monotonic()
    for index in range(count):
        if phase.min_seconds:
            time.sleep(max(0.0, started + index * phase.min_seconds / count - time.monotonic()))
        if phase.midway and index == count // 2 and (note := phase.midway()):
            result.notes.append(note)
        status, error = send_contact(rig.base, patient_email(phase.number, index))
        result.answers.append((index, status, error))
    time.sleep(max(0.0, started + phase.min_seconds - time.monotonic()))
    prefix = f"fault-p{phase.number}-"
    if phase.hold_until_drained and rig.wait_drained(PHASE_DRAIN_SECONDS, prefix) is None:
        result.notes.append(
            f"this phase's mail still pending/sending after {PHASE_DRAIN_SECONDS:.0f} s with the fault on"
        )
    result.seconds = time.monotonic() - started
    if note := phase.end():
        result.notes.append(note)
    result.drained_after = rig.wait_drained(PHASE_DRAIN_SECONDS, prefix)
    result.stored = rig.count("SELECT count(*) FROM contact_requests WHERE email LIKE :prefix", prefix=prefix + "%")
    return result


def make_phases(rig: Rig, args: argparse.Namespace) -> list[Phase]:
    redis_down_at = [0.0]

    def redis_down() -> str:
        rig.redis.stop()
        redis_down_at[0] = time.monotonic()
        return "Redis stopped"

    def redis_up() -> str:
        rig.redis.start()
        return f"Redis started again after {time.monotonic() - redis_down_at[0]:.1f} s"

    def smtp(mode: str, note: str) -> Callable[[], str]:
        def switch() -> str:
            rig.set_smtp(mode)
            return note

        return switch

    def kill_worker() -> str:
        worker = rig.live_workers()[0]
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait(timeout=10)
        worker.killed = True
        return f"kill -9 of mail worker pid {worker.process.pid} after {args.per_phase // 2} requests"

    def replace_worker() -> str:
        return f"replacement mail worker pid {rig.start_worker().process.pid} started"

    def refuse_one_recipient() -> str:
        return prepare_refusal(rig) + "; SMTP now answers 550 to that address"

    return [
        Phase(1, "baseline (all up)"),
        Phase(2, "Redis stopped", redis_down, redis_up, min_seconds=args.redis_down_seconds),
        Phase(
            3,
            "SMTP down",
            smtp(DOWN, "SMTP server stopped"),
            smtp(NORMAL, "SMTP started again"),
            min_seconds=args.fault_seconds,
        ),
        Phase(
            4,
            "SMTP hanging",
            smtp(HANGING, f"SMTP stalls {STALL_SECONDS} s in DATA"),
            smtp(NORMAL, "SMTP normal again"),
            min_seconds=args.fault_seconds,
        ),
        Phase(
            5,
            "SMTP 451 to every RCPT",
            smtp(TEMPORARY, "SMTP answers 451 to every RCPT"),
            smtp(NORMAL, "SMTP normal again"),
            min_seconds=args.fault_seconds,
        ),
        Phase(6, "kill -9 of one RQ worker", end=replace_worker, midway=kill_worker),
        Phase(
            7,
            "SMTP 550 for one site recipient",
            refuse_one_recipient,
            smtp(NORMAL, "SMTP normal again"),
            hold_until_drained=True,
        ),
    ]


def prepare_refusal(rig: Rig) -> str:
    """Make sure the preselected site has two recipients (an operator override if need be); refuse the first."""
    page = requests.get(f"{rig.base}/trials/{TRIAL}", timeout=REQUEST_TIMEOUT).text
    match = SITE_RE.search(page) or FIRST_SITE_RE.search(page)
    if not match:
        raise BenchError("the trial page has no contact form")
    site_id = int(match.group(1))
    facility, city = rig.rows("SELECT facility, city FROM sites WHERE id = :id", id=site_id)[0]
    earlier = rig.rows(
        "SELECT recipients FROM contact_requests WHERE site_id = :id ORDER BY id DESC LIMIT 1", id=site_id
    )
    recipients = json_list(earlier[0][0]) if earlier else []
    note = f"site {facility!r} ({city}) had {len(recipients)} recipient(s)"
    if len(recipients) < 2:
        recipients = ["site-desk@fault.example.org", "site-backup@fault.example.org"]
        run_flask(
            ["sites", "set-recipients", TRIAL, facility, *recipients, *(["--city", city] if city else [])], rig.env
        )
        note += f"; `flask sites set-recipients` gave it {' and '.join(recipients)}"
    rig.handler.refused_address = recipients[0].lower()
    rig.set_smtp(REFUSE_ONE)
    return note + f"; refusing {recipients[0]}"


def json_list(value: Any) -> list[str]:
    return list(json.loads(value) if isinstance(value, str) else value or [])


@dataclass
class MailCount:
    expected: int = 0
    rows: int = 0
    received: int = 0
    refused_for_good: int = 0
    duplicated: int = 0
    unexpected: int = 0
    by_phase: dict[int, tuple[int, int]] = field(default_factory=dict)  # phase -> (rows, received)
    lost_rows: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return max(0, self.expected - self.received - self.refused_for_good)


def count_mail(rig: Rig, results: list[PhaseResult]) -> MailCount:
    mail = MailCount(expected=EMAILS_PER_REQUEST * sum(r.stored for r in results))
    ids, _arrivals = rig.handler.snapshot()
    refused = set(rig.handler.refused_for_good)
    rows = rig.rows(
        "SELECT c.email, o.id, o.kind, o.message_id, o.status, o.attempts, o.last_error, o.recipients "
        "FROM outbox_emails o JOIN contact_requests c ON c.id = o.contact_request_id "
        "WHERE c.email LIKE 'fault-p%' ORDER BY o.id"
    )
    ours = set()
    for email, row_id, kind, message_id, status, attempts, last_error, recipients in rows:
        phase = int(EMAIL_RE.match(email).group(1))  # type: ignore[union-attr]
        ours.add(message_id)
        phase_rows, phase_received = mail.by_phase.get(phase, (0, 0))
        arrived = ids.get(message_id, 0)
        mail.rows += 1
        mail.received += arrived > 0
        mail.duplicated += arrived > 1
        mail.by_phase[phase] = (phase_rows + 1, phase_received + (arrived > 0))
        if not arrived:
            if {r.lower() for r in json_list(recipients)} <= refused:
                mail.refused_for_good += 1
            else:
                mail.lost_rows.append((phase, row_id, kind, status, attempts, last_error))
    mail.unexpected = sum(1 for mid in ids if mid not in ours)
    return mail


@dataclass
class Answer:
    label: str
    status: int | None
    error: str = ""


def short(value: Any) -> str:
    value = str(value)
    return repr(value if len(value) < 30 else value[:27] + "…")


def page_token(browser: requests.Session, url: str) -> tuple[str, str]:
    """(form token, preselected site id or '') of a page; raises BenchError when the page has no form."""
    html = browser.get(url, timeout=REQUEST_TIMEOUT).text
    token = TOKEN_RE.search(html)
    if not token:
        raise BenchError(f"no form token on {url}")
    site = SITE_RE.search(html) or FIRST_SITE_RE.search(html)
    return token.group(1), site.group(1) if site else ""


SEARCH_PARAMETERS = ["q", "status", "phase", "age", "sex", "healthy", "type", "country", "near", "within", "unit",
                     "page", "per_page"]  # fmt: skip
PATHS = ["/trials/{}", "/api/v1/trials/{}", "/notes/s/{}", "/alerts/confirm/{}", "/trials/{}/contact/sent",
         "/alerts/manage/{}", "/alerts/unsubscribe/{}", "/account/invitation/{}", "/account/reset/{}"]  # fmt: skip
CONTACT_VALID = {**VALID, "site": "", "place": "", "latitude": "", "longitude": "", "website": ""}
ALERTS_VALID = {"email": "pat@example.org", "conditions": "knee osteoarthritis", "place": "Chicago", "radius": "50",
                "unit": "mi", "language": "en", "frequency": "immediate", "website": ""}  # fmt: skip
SIGN_IN_VALID = {"email": "sam@site.example.org", "password": "not-the-password-1"}
SHARE_FIELDS = ["nct_id", "notes", "days", "passcode", "note.quote", "note.note", "note.section", "note.section_title"]
SHARE_VALUES: list[Any] = [*VALUES, 10**30, -1, 1.5, None, True, [], {}, ["a"] * 100]
OWNER_FIELDS = [("/notes/shares/revoke", "owner_token"), ("/notes/shares/email", "owner_token"),
                ("/notes/shares/email", "url"), ("/notes/shares/email", "email")]  # fmt: skip
JSON_PATHS = ["/notes/shares", "/notes/shares/revoke", "/notes/shares/email"]

Request = tuple[str, str, bytes | None, dict[str, str]]  # label, path, body (None: a GET), headers
Group = tuple[str, Callable[[requests.Session], list[Request]]]


def share_body(name: str, value: Any) -> bytes:
    note = dict(NOTE)
    body: dict[str, Any] = {"nct_id": TRIAL, "notes": [note], "days": 7}
    if name.startswith("note."):
        note[name.removeprefix("note.")] = value
    else:
        body[name] = value
    return json_body(body)


def corpus_groups(base: str) -> list[Group]:
    """Each group runs in a fresh session of its own (cookies, form tokens), one request after another."""

    def gets(paths: list[tuple[str, str]]) -> Callable[[requests.Session], list[Request]]:
        return lambda _browser: [(f"GET {label}", path, None, {}) for label, path in paths]

    def form(page: str, path: str, name: str, valid: dict[str, str]) -> Callable[[requests.Session], list[Request]]:
        def make(browser: requests.Session) -> list[Request]:
            token, site = page_token(browser, base + page)
            fields = {**valid, "csrf_token": token, **({"site": site} if "site" in valid else {})}
            body = {"Content-Type": FORM}
            return [(f"POST {path} {name}={short(v)}", path, form_body({**fields, name: v}), body) for v in VALUES]

        return make

    def json_posts(path: str, bodies: list[tuple[str, bytes]]) -> Callable[[requests.Session], list[Request]]:
        def make(browser: requests.Session) -> list[Request]:
            token = browser.get(f"{base}/notes/csrf-token", timeout=REQUEST_TIMEOUT).json()["csrf_token"]
            headers = {"Content-Type": "application/json", "X-CSRFToken": token}
            return [(f"POST {path} {label}", path, body, headers) for label, body in bodies]

        return make

    def oversized(browser: requests.Session) -> list[Request]:
        token = page_token(browser, f"{base}/alerts/")[0]
        huge = {"csrf_token": token, "email": "pat@example.org", "conditions": "asthma\n" * 300_000, "place": "Chicago"}
        big = json_body({"nct_id": TRIAL, "notes": [{**NOTE, "note": "n" * 2_000_000}]})
        form_post = ("POST /alerts/ 2 MB form", "/alerts/", form_body(huge), {"Content-Type": FORM})
        return [form_post, *json_posts("/notes/shares", [("2 MB JSON", big)])(browser)]

    def search(parameter: str, path: str, value: str) -> tuple[str, str]:
        fields = {"q": "knee", "near": "Chicago", parameter: value}
        return f"{path}?{parameter}={short(value)}", f"{path}?{query(fields)}"

    trial = f"/trials/{TRIAL}"
    groups: list[Group] = [
        (f"search {name}", gets([search(name, path, v) for path in ("/trials", "/api/v1/trials") for v in VALUES]))
        for name in SEARCH_PARAMETERS
    ]
    groups += [(f"path {t}", gets([(t.format(short(v)), t.format(encode(v) or "%20")) for v in VALUES])) for t in PATHS]
    groups += [(f"contact {n}", form(trial, f"{trial}/contact", n, CONTACT_VALID)) for n in CONTACT_VALID]
    groups += [(f"alerts {n}", form("/alerts/", "/alerts/", n, ALERTS_VALID)) for n in ALERTS_VALID]
    groups += [(f"sign-in {n}", form("/account/sign-in", "/account/sign-in", n, SIGN_IN_VALID)) for n in SIGN_IN_VALID]
    groups += [
        (f"share {n}", json_posts("/notes/shares", [(f"{n}={short(v)}", share_body(n, v)) for v in SHARE_VALUES]))
        for n in SHARE_FIELDS
    ]
    owner = {"owner_token": "x" * 43, "url": f"{base}/notes/s/abc", "email": "kim@example.org"}
    for path, name in OWNER_FIELDS:
        bodies = [(f"{name}={short(v)}", json_body({**owner, name: v})) for v in [*VALUES, 10**30, None, [], {}]]
        groups.append((f"{path} {name}", json_posts(path, bodies)))
    groups += [(f"{path} JSON bodies", json_posts(path, JSON_BODIES)) for path in JSON_PATHS]
    return [*groups, ("oversized bodies", oversized)]


def run_group(base: str, group: Group) -> tuple[str, float, list[Answer]]:
    label, make = group
    browser = requests.Session()
    started = time.perf_counter()
    answers: list[Answer] = []
    try:
        for name, path, body, headers in make(browser):
            try:
                response = browser.request(
                    "GET" if body is None else "POST",
                    base + path,
                    data=body,
                    headers=headers,
                    timeout=30,
                    allow_redirects=False,
                )
                answers.append(Answer(name, response.status_code))
            except requests.RequestException as exc:
                answers.append(Answer(name, None, f"{type(exc).__name__}: {exc}"[:200]))
    except (BenchError, requests.RequestException, ValueError, KeyError) as exc:  # a token page that did not answer
        answers.append(Answer(f"(set-up of the {label} group)", None, f"{type(exc).__name__}: {exc}"[:200]))
    finally:
        browser.close()
    return label, time.perf_counter() - started, answers


def run_corpus(rig: Rig, clients: int) -> tuple[list[Answer], float, list[tuple[str, float]]]:
    """Every answer, the wall time, and the slowest groups with their seconds."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        done = list(pool.map(lambda group: run_group(rig.base, group), corpus_groups(rig.base)))
    slowest = sorted(((label, seconds) for label, seconds, _a in done), key=lambda item: -item[1])[:5]
    return [answer for _l, _s, answers in done for answer in answers], time.perf_counter() - started, slowest


def status_class(status: int | None) -> str:
    return "no answer" if status is None else f"{status // 100}xx"


def print_phases(results: list[PhaseResult], mail: MailCount) -> None:
    rows = []
    for r in results:
        _rows, received = mail.by_phase.get(r.phase.number, (0, 0))
        rows.append(
            [
                f"{r.phase.number} {r.phase.name}",
                str(len(r.answers)),
                str(r.by_class(200, 400)),
                str(r.by_class(400, 500)),
                str(r.by_class(500, 600)),
                str(r.unanswered),
                str(r.stored),
                f"{received}/{EMAILS_PER_REQUEST * r.stored}",
                f"{r.seconds:.1f}",
                "-" if r.drained_after is None else f"{r.drained_after:.1f}",
            ]
        )
    headers = [
        "phase",
        "sent",
        "2xx/3xx",
        "4xx",
        "5xx",
        "no answer",
        "stored",
        "mail recv/exp",
        "phase s",
        "drained +s",
    ]
    print_table(rows, headers)
    print(
        "(stored: contact_requests rows of that phase's patient addresses; mail: unique Message-IDs received at the "
        "end of the run; drained +s: seconds after the fault was lifted until none of the phase's outbox rows was "
        "pending or sending)"
    )
    for r in results:
        for note in r.notes:
            print(f"  phase {r.phase.number}: {note}")
        for index, status, error in r.answers:
            if status is None or status >= 400:
                print(
                    f"  phase {r.phase.number} request {index} ({patient_email(r.phase.number, index)}): "
                    f"{status or 'no answer'} {error}".rstrip()
                )


def print_log_evidence(rig: Rig) -> None:
    print(f"logs: gunicorn {rig.server_log}; mail workers {', '.join(str(w.log) for w in rig.workers)}")
    log = rig.server_log.read_text(errors="replace").splitlines()
    problems = [line for line in log if ACCESS_5XX_RE.search(line) or "ERROR" in line or "Traceback" in line]
    for line in problems[:30]:
        print(f"  gunicorn: {line[:300]}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--per-phase", type=int, default=25, help="contact requests per phase (default 25)")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help=f"PostgreSQL database to recreate and drop; the name must start with 'bench' (default "
        f"{DEFAULT_DATABASE_URL})",
    )
    parser.add_argument(
        "--redis-down-seconds", type=float, default=20.0, help="how long Redis stays down in phase 2 (default 20)"
    )
    parser.add_argument(
        "--fault-seconds",
        type=float,
        default=8.0,
        help="how long each SMTP fault lasts in phases 3-5 (default 8; past ~14 s the short retry delays run out\n"
        "and messages end as failed)",
    )
    parser.add_argument("--corpus-clients", type=int, default=2, help="parallel clients for the corpus (default 2)")
    parser.add_argument("--skip-corpus", action="store_true", help="skip the hostile-input corpus run")
    args = parser.parse_args(argv)
    if args.per_phase < 2 or args.corpus_clients < 1 or args.redis_down_seconds < 0 or args.fault_seconds < 0:
        parser.error("--per-phase needs at least 2, --corpus-clients 1, and the seconds cannot be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmpdir = Path(tempfile.mkdtemp(prefix="bench-fault-"))
    rig = Rig(args, tmpdir)
    code = 2
    print(f"fault_run  {datetime.now().isoformat(timespec='seconds')}  {machine_line()}")
    try:
        try:
            rig.set_up()
        except (BenchError, OSError, RuntimeError) as exc:  # aiosmtpd raises RuntimeError when it cannot start
            print(f"error: set-up failed: {exc}", file=sys.stderr)
            return 2
        started = time.perf_counter()
        results = [run_phase(rig, phase, args.per_phase) for phase in make_phases(rig, args)]
        print(f"phases done in {time.perf_counter() - started:.0f} s; everything restored", flush=True)
        rig.check_processes()
        drained = rig.wait_drained(FINAL_DRAIN_SECONDS)
        time.sleep(0.5)  # a message is accepted before its row says sent
        mail = count_mail(rig, results)
        statuses = rig.statuses()

        print()
        print_phases(results, mail)
        print()
        print(
            f"mail: expected {mail.expected} ({EMAILS_PER_REQUEST} per stored request; {mail.rows} outbox rows), "
            f"received {mail.received} (unique Message-IDs), refused for good {mail.refused_for_good}, "
            f"lost {mail.lost}, duplicated {mail.duplicated} (Message-IDs received more than once)"
            + (f", {mail.unexpected} other Message-IDs" if mail.unexpected else "")
        )
        print(
            "outbox: "
            + ", ".join(f"{status} {n}" for status, n in sorted(statuses.items()))
            + (f" (drained after {drained:.1f} s)" if drained is not None else " (NOT drained in time)")
        )
        print("SMTP replies: " + (", ".join(f"{k} x{n}" for k, n in sorted(rig.handler.replies.items())) or "none"))
        for phase, row_id, kind, status, attempts, last_error in mail.lost_rows:
            print(
                f"  lost: outbox row {row_id} ({kind}, phase {phase}) status {status}, {attempts} attempts, "
                f"last error: {last_error}"
            )
            for worker in rig.workers:
                for line in worker.log.read_text(errors="replace").splitlines():
                    if f"outbox email {row_id} " in line or f"(outbox-{row_id}-" in line:
                        print(f"    {worker.log.name}: {line[:300]}")
            for job_id, job_status, worker_name in rig.rq_jobs(row_id):
                owner = next(
                    (w for w in rig.workers if f"Worker {worker_name}" in w.log.read_text(errors="replace")), None
                )
                whose = f" ({owner.log.name}, {'killed' if owner.killed else 'alive'})" if owner else ""
                print(f"    RQ job in Redis: {job_id} {job_status}, worker {worker_name}{whose}")
                if job_status == "started" and status == "pending" and owner and owner.killed:
                    print(
                        "    (the worker died after RQ marked the job started and before the row was claimed; the "
                        "sweep queues no job for a delivery whose job is still waiting or running, so the row waits)"
                    )

        answers: list[Answer] = []
        if not args.skip_corpus:
            rig.check_processes()
            print()
            print(f"hostile corpus: {len(VALUES)} values, {args.corpus_clients} clients ...", flush=True)
            answers, seconds, slowest = run_corpus(rig, args.corpus_clients)
            classes = Counter(status_class(a.status) for a in answers)
            print(
                f"hostile corpus: {len(answers)} requests in {seconds:.0f} s: "
                + ", ".join(f"{name} {classes.get(name, 0)}" for name in ("2xx", "3xx", "4xx", "5xx", "no answer"))
            )
            print("  slowest groups: " + ", ".join(f"{label} {took:.0f} s" for label, took in slowest))
            for answer in answers:
                if answer.status is None or answer.status >= 500:
                    print(f"  {status_class(answer.status)}: {answer.label} {answer.status or answer.error}")
            rig.check_processes()

        five_xx = sum(r.by_class(500, 600) + r.unanswered for r in results)
        five_xx += sum(1 for a in answers if a.status is None or a.status >= 500)
        code = 1 if five_xx or mail.lost else 0
        if code:
            print()
            print(f"FAILED: {five_xx} 5xx or unanswered requests, {mail.lost} lost emails")
            print_log_evidence(rig)
        print(f"finished; {load_average()}")
        return code
    except (BenchError, AssertionError) as exc:  # RedisServer.start asserts that it answers
        print(f"error: {exc}", file=sys.stderr)
        print_log_evidence(rig)
        return 2
    finally:
        rig.tear_down()
        if code == 0:
            shutil.rmtree(tmpdir, ignore_errors=True)
        else:
            print(f"logs kept in {tmpdir}")


if __name__ == "__main__":
    sys.exit(main())
