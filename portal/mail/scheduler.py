"""Periodic jobs the mail workers run beside their sweep; features register them, so mail imports no feature."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy.orm import Session

EXTENSION = "periodic_jobs"


@dataclass
class PeriodicJob:
    name: str
    every_seconds: int  # 0: never (run it from cron instead)
    run: Callable[[Session], object]
    next_run: float = field(default=0.0)  # monotonic; 0 runs it at the worker's first sweep

    def due(self, now: float) -> bool:
        return bool(self.every_seconds) and now >= self.next_run


def register_periodic_job(app: Flask, name: str, every_seconds: int, run: Callable[[Session], object]) -> None:
    """Ask every mail worker of this app to call `run(session)` every `every_seconds`; it must be safe to run from
    several workers at once (each worker keeps its own timer)."""
    jobs: list[PeriodicJob] = app.extensions.setdefault(EXTENSION, [])
    jobs.append(PeriodicJob(name, every_seconds, run))


def periodic_jobs(app: Flask) -> list[PeriodicJob]:
    return list(app.extensions.get(EXTENSION, []))


def run_due_jobs(session: Session, jobs: list[PeriodicJob]) -> None:
    now = time.monotonic()
    for job in jobs:
        if job.due(now):
            job.next_run = now + job.every_seconds
            job.run(session)
