"""One run of `flask trials sync`: what it asked ClinicalTrials.gov for, how far it got, and what it changed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow

RUNNING = "running"
FINISHED = "finished"
FAILED = "failed"
# The one value of `lock` a running sync holds; the unique constraint lets only one row hold it at a time.
LOCK = "ctgov"


class SyncRun(Base):
    """A run's counts and its place in the paging are committed after each page, so a killed run resumes there."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(2000))  # the API's own parameters, e.g. "query.cond=asthma"
    status: Mapped[str] = mapped_column(String(16), default=RUNNING)
    lock: Mapped[str | None] = mapped_column(String(16), unique=True)  # LOCK while running, else NULL
    owner: Mapped[str] = mapped_column(String(300))  # "host pid" of the process running it
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Records last updated on or after this date were asked for (None: every record, a full run).
    since: Mapped[date | None] = mapped_column(Date)
    # Every record updated up to this date (inclusive, within the query) is committed; the next run starts here.
    watermark: Mapped[date | None] = mapped_column(Date)
    next_page_token: Mapped[str | None] = mapped_column(String(1000))  # where a resumed run goes on
    pages: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
