"""Which glossary terms, abbreviations and HPO conditions a trial's page explains, worked out at import."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, JSONType, UTCDateTime, utcnow


class TrialGlossaryMatch(Base):
    """One row per trial; stale when the trial's content hash or the glossary version differs from the row's."""

    __tablename__ = "trial_glossary_matches"

    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), primary_key=True)
    glossary_version: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    matches: Mapped[dict[str, Any]] = mapped_column(JSONType)
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
