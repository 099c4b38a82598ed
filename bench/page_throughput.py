"""Trial page throughput under gunicorn, measured with wrk against /healthz, a typical and the biggest trial page.

Builds a throwaway database (SQLite in a temp dir by default, or PostgreSQL with --database-url), runs the
migrations and imports the single-study records in portal/demo_trials through the flask CLI, starts
`gunicorn -w 2 wsgi:app` on a free loopback port, warms every URL up, then runs wrk on each URL in turn and
prints requests/s, latency, the ratio to /healthz and the targets. It is a report: exit 0 whether targets pass or
fail, non-zero only when something did not run (migration, import, server start, wrk, a non-2xx answer).

    .venv/bin/python bench/page_throughput.py [--duration 10] [--database-url postgresql+psycopg://...]

`--glossary off` serves the pages without explained words (GLOSSARY_ENABLED=false), to compare with the default.
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

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
    print_table,
    redact,
    run_flask,
    stop_process,
    tail,
)

HEALTHZ = "/healthz"
TYPICAL = "/trials/NCT04012996"  # 33 sites
BIGGEST = "/trials/NCT04267848"  # 1,148 sites


@dataclass(frozen=True)
class Target:
    url: str
    label: str
    min_ratio: float | None  # requests/s as a share of /healthz's


TARGETS = [
    Target(HEALTHZ, "healthz", None),
    Target(TYPICAL, "typical (33 sites)", 0.5),
    Target(BIGGEST, "biggest (1,148 sites)", 0.25),
]
BIGGEST_HTML_LIMIT_KB = 250.0


@dataclass
class WrkResult:
    requests_per_sec: float
    latency_avg_ms: float
    latency_stdev_ms: float
    latency_max_ms: float
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    total_requests: int
    non_2xx: int
    socket_errors: dict[str, int]
    raw: str


@dataclass
class PageInfo:
    status: int
    size_bytes: int
    gzip_bytes: int
    server_gzip: bool  # whether the app compressed when asked to
    first_ms: float  # the first request, before any warm-up: the page fragment is not cached yet


_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_TIME_RE = r"([\d.]+)(us|ms|s|m|h)"


def _ms(value: str, unit: str) -> float:
    return float(value) * _TIME_UNITS_MS[unit]


def parse_wrk(output: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    lat = re.search(rf"Latency\s+{_TIME_RE}\s+{_TIME_RE}\s+{_TIME_RE}", output)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and lat and total):
        raise BenchError(f"could not parse wrk output:\n{output}")
    p50 = re.search(rf"^\s+50%\s+{_TIME_RE}", output, re.MULTILINE)
    p99 = re.search(rf"^\s+99%\s+{_TIME_RE}", output, re.MULTILINE)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    socket_errors = (
        dict(zip(("connect", "read", "write", "timeout"), (int(x) for x in sock.groups()), strict=True)) if sock else {}
    )
    return WrkResult(
        requests_per_sec=float(rps.group(1)),
        latency_avg_ms=_ms(lat.group(1), lat.group(2)),
        latency_stdev_ms=_ms(lat.group(3), lat.group(4)),
        latency_max_ms=_ms(lat.group(5), lat.group(6)),
        latency_p50_ms=_ms(p50.group(1), p50.group(2)) if p50 else None,
        latency_p99_ms=_ms(p99.group(1), p99.group(2)) if p99 else None,
        total_requests=int(total.group(1)),
        non_2xx=int(non2xx.group(1)) if non2xx else 0,
        socket_errors=socket_errors,
        raw=output,
    )


def fetch(url: str, gzip_ok: bool = False, timeout: float = 30.0) -> tuple[int, bytes, dict[str, str]]:
    headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310  (loopback http only)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def wait_for_health(base: str, server: subprocess.Popen[bytes], log_path: Path, timeout: float = 60.0) -> float:
    start = time.perf_counter()
    deadline = start + timeout
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with {server.returncode} before answering:\n{tail(log_path)}")
        try:
            status, _, _ = fetch(base + HEALTHZ, timeout=2.0)
            if status == 200:
                return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer {HEALTHZ} within {timeout:.0f}s:\n{tail(log_path)}")


def page_info(url: str) -> PageInfo:
    started = time.perf_counter()
    status, body, _ = fetch(url)
    first_ms = (time.perf_counter() - started) * 1000
    _, _, gz_headers = fetch(url, gzip_ok=True)
    return PageInfo(
        status=status,
        size_bytes=len(body),
        gzip_bytes=len(gzip.compress(body, compresslevel=6)),
        server_gzip=gz_headers.get("Content-Encoding", "").lower() == "gzip",
        first_ms=first_ms,
    )


def session_cookie(url: str) -> str:
    """The session cookie a first visit to a page with a form gets, as "name=value"."""
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback URL we built)
        header = response.headers.get("Set-Cookie") or ""
    if not header:
        raise BenchError(f"{url} set no session cookie")
    return header.split(";", 1)[0]


def run_wrk(
    wrk: str, url: str, threads: int, connections: int, duration: int, timeout: str | None, cookie: str | None = None
) -> WrkResult:
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if timeout:
        cmd += ["--timeout", timeout]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    proc = subprocess.run([*cmd, url], capture_output=True, text=True)  # noqa: S603
    if proc.returncode != 0:
        raise BenchError(f"wrk exited {proc.returncode} on {url}:\n{proc.stdout}\n{proc.stderr}")
    return parse_wrk(proc.stdout)


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f} ms" if value < 1000 else f"{value / 1000:.2f} s"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds wrk runs on each URL (default 10)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="run the three URLs this many times in turn; report medians (default 1)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of wrk warm-up per URL, not reported (default 2)"
    )
    parser.add_argument(
        "--returning-visitor",
        action="store_true",
        help="send the session cookie a first visit got with every request (default: no cookies, like a first visit)",
    )
    parser.add_argument("--wrk-timeout", default=None, help="wrk --timeout, e.g. 10s (default: wrk's own, 2s)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="run against this database instead of a temp SQLite file, e.g.\n"
        "postgresql+psycopg://127.0.0.1:5432/bench_portal (dropped and recreated; the name must start with 'bench')",
    )
    parser.add_argument("--keep-database", action="store_true", help="do not drop the PostgreSQL database at the end")
    parser.add_argument(
        "--glossary",
        choices=["on", "off"],
        default="on",
        help="explained words on trial pages (GLOSSARY_ENABLED); run once with each to compare (default on)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = shutil.which("wrk") or "/usr/bin/wrk"
    if not Path(wrk).exists():
        print("error: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    tmpdir = Path(tempfile.mkdtemp(prefix="bench-page-"))
    server: subprocess.Popen[bytes] | None = None
    database_url: str | None = None
    log_path = tmpdir / "gunicorn.log"
    try:
        database_url = fresh_database(args.database_url, tmpdir)
        env = app_env(database_url)
        env["GLOSSARY_ENABLED"] = "true" if args.glossary == "on" else "false"
        print(f"page_throughput  {datetime.now().isoformat(timespec='seconds')}  {machine_line()}")
        print(f"database: {redact(database_url)}; glossary (explained words): {args.glossary}")

        run_flask(["db", "upgrade"], env)
        started = time.perf_counter()
        imported = run_flask(["trials", "import", "--quiet", str(CTGOV_DIR)], env)
        summary = imported.stdout.strip().splitlines()[-1] if imported.stdout.strip() else "(no summary)"
        print(f"import {CTGOV_DIR} (flask CLI): {summary} [{time.perf_counter() - started:.1f} s]")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "wsgi:app"]
        with log_path.open("wb") as log:
            server = subprocess.Popen(  # noqa: S603
                cmd, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        boot = wait_for_health(base, server, log_path)
        print(f"gunicorn: python {' '.join(cmd[1:])} (pid {server.pid}), answered {HEALTHZ} after {boot:.1f} s")
        print(
            f"wrk: -t{args.threads} -c{args.connections} -d{args.duration}s --latency"
            + (f" --timeout {args.wrk_timeout}" if args.wrk_timeout else "")
            + f"; warm-up {args.warmup} s per URL; wrk and gunicorn share this machine's CPUs"
        )

        cookie = session_cookie(base + TARGETS[1].url) if args.returning_visitor else None
        if cookie:
            print("every request carries the session cookie a first visit got (a returning visitor)")
        pages: dict[str, PageInfo] = {}
        for target in TARGETS:
            info = page_info(base + target.url)
            if info.status != 200:
                raise BenchError(f"{target.url} answered {info.status}, not 200:\n{tail(log_path)}")
            pages[target.url] = info
            if args.warmup > 0:
                run_wrk(wrk, base + target.url, args.threads, args.connections, args.warmup, args.wrk_timeout, cookie)

        runs: dict[str, list[WrkResult]] = {target.url: [] for target in TARGETS}
        for _ in range(args.rounds):
            for target in TARGETS:
                runs[target.url].append(
                    run_wrk(
                        wrk, base + target.url, args.threads, args.connections, args.duration, args.wrk_timeout, cookie
                    )
                )
        # With several rounds, each URL is reported by its median round (by requests/s).
        results = {url: sorted(rs, key=lambda r: r.requests_per_sec)[len(rs) // 2] for url, rs in runs.items()}
        if args.rounds > 1:
            print(
                f"\nrequests/s per round ({args.rounds} rounds, URLs interleaved; the table shows each URL's median):"
            )
            for target in TARGETS:
                print(f"  {target.url:<22}" + "  ".join(f"{r.requests_per_sec:>9,.1f}" for r in runs[target.url]))

        baseline = results[HEALTHZ].requests_per_sec
        rows = []
        problems = []
        for target in TARGETS:
            res = results[target.url]
            ratio = res.requests_per_sec / baseline if baseline else 0.0
            if target.min_ratio is None:
                verdict = "(baseline)"
            else:
                verdict = f">= {target.min_ratio:.2f}  {'PASS' if ratio >= target.min_ratio else 'FAIL'}"
            errors = res.non_2xx + sum(res.socket_errors.values())
            rows.append(
                [
                    target.url,
                    target.label,
                    f"{res.requests_per_sec:,.1f}",
                    fmt_ms(res.latency_avg_ms),
                    fmt_ms(res.latency_p50_ms),
                    fmt_ms(res.latency_p99_ms),
                    fmt_ms(res.latency_max_ms),
                    f"{res.total_requests:,}",
                    str(errors),
                    f"{pages[target.url].size_bytes / 1024:,.1f}",
                    fmt_ms(pages[target.url].first_ms),
                    f"{ratio:.3f}",
                    verdict,
                ]
            )
            if res.non_2xx:
                problems.append(f"{target.url}: {res.non_2xx} non-2xx/3xx responses")
            if any(res.socket_errors.values()):
                problems.append(f"{target.url}: socket errors {res.socket_errors}")
        print()
        print_table(
            rows,
            [
                "URL",
                "page",
                "req/s",
                "avg lat",
                "p50",
                "p99",
                "max",
                "requests",
                "errors",
                "HTML KB",
                "1st req",
                "ratio",
                "target",
            ],
            left_columns=2,
        )

        big = pages[BIGGEST]
        size_kb = big.size_bytes / 1024
        print()
        print(
            f"biggest page {BIGGEST}: {size_kb:,.1f} KB HTML (target < {BIGGEST_HTML_LIMIT_KB:.0f} KB: "
            f"{'PASS' if size_kb < BIGGEST_HTML_LIMIT_KB else 'FAIL'}), "
            f"{big.gzip_bytes / 1024:,.1f} KB gzipped (level 6); "
            f"the app itself {'gzips' if big.server_gzip else 'does not gzip'} responses"
        )
        print("KB = 1024 bytes; ratio = req/s divided by /healthz req/s; errors = non-2xx + socket errors (wrk);")
        print("1st req = one request before warm-up, when the worker has not cached the page's rendered content yet")
        print(f"finished; {load_average()}")
        if problems:
            print()
            for problem in problems:
                print(f"warning: {problem}")
        server_errors = [line for line in log_path.read_text(errors="replace").splitlines() if "Traceback" in line]
        if server_errors:
            print(f"warning: gunicorn log has {len(server_errors)} tracebacks; tail:\n{tail(log_path)}")
        if any(res.non_2xx for rs in runs.values() for res in rs):
            return 1  # an error page was measured, not the page itself
        return 0
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
