"""A local SMTP server that keeps every message as an .eml file: development mail a person can read."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class EmlFileHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.directory / f"{stamp}-{time.monotonic_ns()}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def serve(directory: Path, host: str = "127.0.0.1", port: int = 8025) -> None:
    controller = Controller(EmlFileHandler(directory), hostname=host, port=port)
    controller.start()
    print(f"Catching mail on {host}:{port}; messages are saved in {directory}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
