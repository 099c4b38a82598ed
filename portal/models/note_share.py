"""Shared notes: a passcode-protected snapshot of a patient's notes on one trial, and wrong-passcode counts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, JSONType, UTCDateTime, utcnow


class NoteShare(Base):
    """What a link shows once the passcode is right. Only hashes of the link, owner token and passcode are kept."""

    __tablename__ = "note_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the 128-bit link token: a database leak does not give working links.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    owner_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    passcode_hash: Mapped[str] = mapped_column(Text)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    nct_id: Mapped[str] = mapped_column(String(11))
    trial_title: Mapped[str] = mapped_column(Text)
    trial_last_update: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # The portal's language the owner shared from (en, es, zh_Hans): the email of the link is in it.
    ui_locale: Mapped[str] = mapped_column(String(10), default="en", server_default="en")

    def __repr__(self) -> str:
        return f"<NoteShare {self.id} trial={self.trial_id}>"


class NoteShareAttempts(Base):
    """Wrong passcodes for one link token in the current window, whether or not a share has that token.

    Keyed by the token's hash rather than the share, so an unknown link locks exactly like a real one and
    the lock itself tells nobody that a share exists.
    """

    __tablename__ = "note_share_attempts"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
