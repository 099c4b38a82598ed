"""Helpers for the contact and outbox benchmarks: an in-process SMTP catcher that counts what it receives."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from email.parser import BytesHeaderParser
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
