"""Real worker processes for tests: an RQ mail worker per start(), on Redis db 15, stopped afterwards."""

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
from flask import Flask
from redis import Redis

from tests.conftest import REPO, SmtpServer

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
    def __init__(self, app: Flask, smtp: SmtpServer, tmp_path: Path) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": REDIS_URL,
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
