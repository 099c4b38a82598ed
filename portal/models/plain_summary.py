"""A trial's "In plain words" summary, written by an operator or a member of one of the trial's sites.

It holds no patient data: a few paragraphs about the study, who wrote them, and the registry summary they explain.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TimestampMixin, UTCDateTime
from portal.models.trial import Site, Trial
from portal.models.user import User

# Who the public label names: the study team at a site, or the portal's own team (an operator).
WRITTEN_BY_SITE, WRITTEN_BY_PORTAL = "site", "portal"
_SPACE_RE = re.compile(r"\s+")


def registry_summary_hash(brief_summary: str | None) -> str:
    """SHA-256 of the registry's brief summary with its white space collapsed: a re-import that only re-wraps the
    text does not count as a change."""
    text = _SPACE_RE.sub(" ", brief_summary or "").strip()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PlainSummary(TimestampMixin, Base):
    """One per trial. `registry_summary_hash` is the registry summary it was last saved against; when a re-import
    brings a different one, `needs_review` is set (by the importer) and the summary is off the public page until
    someone saves it again."""

    __tablename__ = "plain_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), unique=True)
    markdown: Mapped[str] = mapped_column(Text)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The author's site, or None for an operator; `written_by` keeps the label honest if the site is later removed.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    written_by: Mapped[str] = mapped_column(String(10))
    registry_summary_hash: Mapped[str] = mapped_column(String(64))
    # The registry text it was written against, so a reviewer can see what changed.
    registry_summary_text: Mapped[str | None] = mapped_column(Text)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    trial: Mapped[Trial] = relationship()
    site: Mapped[Site | None] = relationship()
    author: Mapped[User | None] = relationship()
