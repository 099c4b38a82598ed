"""A trial's vector for matching by meaning: one row per trial, written after an import (see portal.embeddings)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class TrialEmbedding(Base):
    """The language model's vector of a trial's title, conditions, keywords and summary.

    `text_hash` is a SHA-256 of the embedded text and the model id: a re-import that leaves both unchanged leaves
    the row alone, and a new model or a changed summary computes it again. `vector` holds float32 values,
    little-endian, unit length.
    """

    __tablename__ = "trial_embeddings"
    # Readers ask "has anything changed?" with max(embedded_at): the index makes that a lookup.
    __table_args__ = (Index("ix_trial_embeddings_embedded_at", "embedded_at"),)

    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(100))
    text_hash: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    embedded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the trial's text was last compared with the hash (a changed trial whose text did not change).
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
