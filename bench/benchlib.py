"""Helpers shared by the benchmark scripts: paths, subprocess env, throwaway SQLite/PostgreSQL databases."""

from __future__ import annotations

import contextlib
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parents[1]
# Real ClinicalTrials.gov records kept in the repository: 67 single-study files and 20 gzipped bulk files.
CTGOV_DIR = REPO_ROOT / "portal" / "demo_trials"
CTGOV_BULK_DIR = REPO_ROOT / "tests" / "data" / "ctgov-bulk"

# The venv's editable install of trial-portal registers `portal` as a namespace package, so outside the repo
# root `import portal` finds no create_app; putting the repo root first makes the real package win.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# A benchmark drops and recreates its PostgreSQL database, so it only ever touches databases named like this.
SAFE_PG_DB_PREFIX = "bench"


class BenchError(RuntimeError):
    """Something the benchmark needs did not run; the script exits non-zero."""


def random_secret() -> str:
    """48 random URL-safe characters, as the production config asks for."""
    return secrets.token_urlsafe(36)


def redact(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def sqlite_url(directory: Path, name: str = "portal.db") -> str:
    return f"sqlite:///{directory / name}"


def _pg_admin_engine(url: str):  # type: ignore[no-untyped-def]
    """An AUTOCOMMIT engine on the server's `postgres` maintenance database (CREATE/DROP DATABASE need it)."""
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _pg_database_name(url: str) -> str:
    name = make_url(url).database or ""
    if not name.startswith(SAFE_PG_DB_PREFIX):
        raise BenchError(
            f"refusing to drop/create PostgreSQL database {name!r}: the benchmark recreates its database, "
            f"so its name must start with {SAFE_PG_DB_PREFIX!r} (e.g. .../bench_portal)"
        )
    return name


def recreate_postgres_database(url: str) -> None:
    """Drop (if present) and create the database named in `url`; only names starting with 'bench' are allowed."""
    name = _pg_database_name(url)
    engine = _pg_admin_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001  (any failure here means the benchmark cannot run)
        raise BenchError(f"could not create PostgreSQL database {name!r} via {redact(url)}: {exc}") from exc
    finally:
        engine.dispose()


def drop_postgres_database(url: str) -> None:
    name = _pg_database_name(url)
    engine = _pg_admin_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def fresh_database(requested_url: str | None, tmpdir: Path, name: str = "portal.db") -> str:
    """A new empty database: a SQLite file in tmpdir by default, or the recreated PostgreSQL database given."""
    if requested_url is None:
        return sqlite_url(tmpdir, name)
    if is_postgres(requested_url):
        recreate_postgres_database(requested_url)
        return requested_url
    if requested_url.startswith("sqlite"):
        path = make_url(requested_url).database
        if path and Path(path).exists():
            raise BenchError(f"{path} already exists; give a new SQLite file (or none for a temp one)")
        return requested_url
    raise BenchError(f"unsupported database URL {redact(requested_url)} (use sqlite:/// or postgresql+psycopg://)")


def app_env(database_url: str) -> dict[str, str]:
    """Environment for the flask CLI and gunicorn: development mode, a strong secret, no rate limits."""
    env = dict(os.environ)
    for name in ("PORTAL_ENV", "REDIS_URL", "RATELIMIT_STORAGE_URI", "PROXY_FIX_HOPS"):
        env.pop(name, None)
    env["DATABASE_URL"] = database_url
    env["SECRET_KEY"] = random_secret()
    env["RATELIMIT_ENABLED"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_flask(args: Sequence[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `python -m flask --app portal ARGS` from the repo root with the venv's interpreter."""
    cmd = [sys.executable, "-m", "flask", "--app", "portal", *args]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if check and proc.returncode != 0:
        raise BenchError(
            f"`flask --app portal {' '.join(args)}` exited {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout[-3000:]}\n--- stderr ---\n{proc.stderr[-3000:]}"
        )
    return proc


def load_average() -> str:
    """1/5/15-minute load averages: other work on the machine skews every number these scripts print."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def machine_line() -> str:
    return (
        f"python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {load_average()}"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """SIGTERM a process we started; SIGKILL its own process group (start_new_session=True) if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def print_table(rows: list[list[str]], headers: list[str], left_columns: int = 1) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        cells = zip(row, widths, strict=True)
        print("  ".join(c.ljust(w) if i < left_columns else c.rjust(w) for i, (c, w) in enumerate(cells)).rstrip())


def drop_database_quietly(database_url: str | None, keep: bool = False) -> None:
    """At the end of a run: drop the PostgreSQL database the run created (SQLite files go with the temp dir)."""
    if not database_url or not is_postgres(database_url) or keep:
        return
    try:
        drop_postgres_database(database_url)
    except Exception as exc:  # noqa: BLE001  (cleanup must not hide the run's own result)
        print(f"warning: could not drop {redact(database_url)}: {exc}", file=sys.stderr)
