"""Helpers shared by the contact/outbox benchmarks: an in-process SMTP catcher, ports, processes, percentiles."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class CountingHandler:
    """An aiosmtpd handler that counts messages by Message-ID, optionally waiting `delay` seconds before replying.

    The wait is an asyncio sleep, so the catcher itself handles many connections at once: a slow reply slows the
    sender down, never the other senders.
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.message_ids: Counter[str] = Counter()
        self.arrivals: list[float] = []  # time.monotonic() when each message was accepted
        self._lock = threading.Lock()
        self._parser = BytesHeaderParser()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        if self.delay:
            await asyncio.sleep(self.delay)
        content = envelope.original_content or envelope.content
        headers = self._parser.parsebytes(content if isinstance(content, bytes) else content.encode())
        message_id = (headers.get("Message-ID") or "").strip()
        with self._lock:
            self.message_ids[message_id] += 1
            self.arrivals.append(time.monotonic())
        return "250 Message accepted"

    @property
    def received(self) -> int:
        with self._lock:
            return sum(self.message_ids.values())

    def snapshot(self) -> tuple[Counter[str], list[float]]:
        with self._lock:
            return Counter(self.message_ids), list(self.arrivals)


class SmtpCatcher:
    """aiosmtpd on 127.0.0.1:<port> in a thread of this process."""

    def __init__(self, port: int, delay: float = 0.0) -> None:
        self.port = port
        self.handler = CountingHandler(delay)
        self.controller: Controller | None = None

    def start(self) -> None:
        # aiosmtpd's default data_size_limit (32 MiB) and timeouts are fine; a generous ready_timeout for busy hosts.
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10.0)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            try:
                self.controller.stop()
            finally:
                self.controller = None


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
