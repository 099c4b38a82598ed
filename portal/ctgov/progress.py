"""The import's progress line on a terminal: records done, records per second and the time left."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

from portal.ctgov.sources import SourceRecord, read_documents

BAR_WIDTH = 24
REDRAW_SECONDS = 0.25


class ImportProgress:
    """Streams the files' records and draws one line, redrawn in place.

    The total is estimated as the records of the files begun so far plus the bytes of the others at the same
    records per byte: exact once the last file is read, close before on a folder of similar files.
    """

    def __init__(self, files: Sequence[Path], stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.files = list(files)
        self.stream = stream
        self.clock = clock
        self.total_bytes = sum(_size(path) for path in self.files)
        self.bytes_read = 0
        self.records_read = 0
        self.done = 0
        self.started = clock()
        self.drawn_at: float | None = None

    def sources(self) -> Iterator[list[SourceRecord]]:
        for path in self.files:
            self.bytes_read += _size(path)  # begun: its records count towards the records per byte
            for records in read_documents(path):
                self.records_read += len(records)
                yield records

    def advance(self, count: int) -> None:
        self.done += count
        now = self.clock()
        if self.drawn_at is None or now - self.drawn_at >= REDRAW_SECONDS:
            self.drawn_at = now
            self.stream.write("\r" + self.line(now))
            self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\r" + self.line(self.clock()) + "\n")
        self.stream.flush()

    def estimated_total(self) -> int:
        unread = self.total_bytes - self.bytes_read
        if unread <= 0 or self.bytes_read == 0:
            return max(self.records_read, self.done)
        return max(self.records_read + round(unread * self.records_read / self.bytes_read), self.done)

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        total = self.estimated_total()
        fraction = min(self.done / total, 1.0) if total else 0.0
        filled = round(fraction * BAR_WIDTH)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        left = _clock_text((total - self.done) / rate) if rate > 0 and total >= self.done else "--:--"
        about = "" if self.bytes_read >= self.total_bytes else "~"
        return f"[{bar}] {self.done:,} / {about}{total:,} records  {rate:,.0f} records/s  ETA {left}  "


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reading it will report the problem


def _clock_text(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
