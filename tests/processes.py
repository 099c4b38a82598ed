"""Real processes for tests: RQ mail workers (Redis db 15 by default), a private Redis server, the portal under
gunicorn. Each is stopped afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
import requests
from flask import Flask
from redis import Redis
from redis.exceptions import RedisError

from tests.conftest import REPO, SmtpServer, free_port

# TEST_REDIS_URL lets two suites run side by side on one machine (each on its own database number).
REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_db() -> Iterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


class Workers:
    def __init__(self, app: Flask, smtp: SmtpServer, tmp_path: Path, redis_url: str = REDIS_URL) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": redis_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp.port),
            "MAIL_TIMEOUT": "5",
            "SECRET_KEY": app.config["SECRET_KEY"],
            "PORTAL_BASE_URL": app.config["PORTAL_BASE_URL"],
            "OUTBOX_SWEEP_SECONDS": "1",
            "OUTBOX_CLAIM_LEASE_SECONDS": "3",
            "PYTHONUNBUFFERED": "1",
        }
        self.tmp_path = tmp_path
        self.processes: list[tuple[subprocess.Popen[bytes], Path]] = []
        self.files: list[BinaryIO] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = self.tmp_path / f"worker-{len(self.processes)}.log"
        output = log.open("wb")
        self.files.append(output)
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "portal", "worker"],
            cwd=REPO,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        self.processes.append((process, log))
        return process

    def logs(self) -> list[str]:
        return [log.read_text(errors="replace") for _process, log in self.processes]

    def stop(self) -> None:
        for process, _log in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, _log in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for output in self.files:
            output.close()


@pytest.fixture
def workers(app: Flask, smtp_server: SmtpServer, redis_db: Redis, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(app, smtp_server, tmp_path)
    yield pool
    pool.stop()


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


class RedisServer:
    """A redis-server of the test's own on a free port, which the test may stop and start again.

    The machine's shared Redis is never stopped: an outage test stops only this one.
    """

    def __init__(self, port: int, tmp_path: Path) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.tmp_path = tmp_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.tmp_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            assert wait_until(self._answers(client), timeout=10), "the test's redis-server did not start"
        finally:
            client.close()

    @staticmethod
    def _answers(client: Redis) -> Callable[[], bool]:
        def ping() -> bool:
            try:
                return bool(client.ping())
            except RedisError:  # refused while it starts
                return False

        return ping

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


class PortalServer:
    """The portal under gunicorn, as production runs it, with the environment given; logs to a file."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        self._output: BinaryIO | None = None

    def start(self) -> None:
        self._output = self.log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
             "--graceful-timeout", "5", "wsgi:app"],
            cwd=REPO,
            env=self.env,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        assert wait_until(self._healthy, timeout=60), self.logs()

    def _healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self._output is not None:
            self._output.close()
