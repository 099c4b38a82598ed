"""Trial vectors in the database: which text of a trial is embedded, and computing the missing or stale ones."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.embeddings.model import DIMENSIONS, Vectors
from portal.models.base import utcnow
from portal.models.embedding import TrialEmbedding
from portal.models.trial import Trial
from portal.text import to_plain_text

# Trials embedded, and committed, at a time: a bulk import's vectors are never one transaction.
CHUNK = 200


class TextEmbedder(Protocol):
    model_id: str

    def embed(self, texts: list[str]) -> Vectors: ...


@dataclass(frozen=True)
class EmbedSummary:
    computed: int = 0
    unchanged: int = 0

    def line(self) -> str:
        return f"Meaning vectors: {self.computed} computed, {self.unchanged} unchanged."


def embedding_text(trial: Trial) -> str:
    """What the model reads of a trial: its title, conditions, keywords and summary (the model reads the first 256
    word pieces, so the short, telling parts come first)."""
    parts = [
        trial.brief_title,
        "; ".join(trial.condition_names),
        "; ".join(trial.keywords or []),
        to_plain_text(trial.brief_summary),
    ]
    return "\n".join(part.strip() for part in parts if part and part.strip())


def text_hash(text: str, model_id: str) -> str:
    return hashlib.sha256(f"{model_id}\n{text}".encode()).hexdigest()


def to_bytes(vector: Vectors) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> Vectors:
    return np.frombuffer(data, dtype="<f4").astype(np.float32, copy=False)


def _stale_trial_ids(session: Session, model_id: str) -> list[int]:
    """Trials with no vector, a vector of another model, or a change since their vector was written (whose text
    may still be the same: the hash decides)."""
    embedding = TrialEmbedding
    statement = (
        select(Trial.id)
        .outerjoin(embedding, embedding.trial_id == Trial.id)
        .where(
            or_(
                embedding.trial_id.is_(None),
                embedding.model_id != model_id,
                Trial.updated_at > embedding.checked_at,
            )
        )
        .order_by(Trial.id)
    )
    return list(session.scalars(statement))


def embed_trials(session: Session, embedder: TextEmbedder, trial_ids: Iterable[int] | None = None) -> EmbedSummary:
    """Compute the vectors of the trials whose embedded text (or model) changed; leave the others alone.

    Commits after each chunk, like the importer, so a long run keeps what it did.
    """
    ids = list(trial_ids) if trial_ids is not None else _stale_trial_ids(session, embedder.model_id)
    computed = unchanged = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        trials = session.scalars(
            select(Trial).where(Trial.id.in_(chunk)).options(selectinload(Trial.conditions)).order_by(Trial.id)
        ).all()
        stored = {
            e.trial_id: e for e in session.scalars(select(TrialEmbedding).where(TrialEmbedding.trial_id.in_(chunk)))
        }
        todo: list[tuple[Trial, str, str]] = []
        for trial in trials:
            text = embedding_text(trial)
            digest = text_hash(text, embedder.model_id)
            existing = stored.get(trial.id)
            if existing is not None and existing.text_hash == digest:
                unchanged += 1
                continue
            todo.append((trial, text, digest))
        if todo:
            vectors = embedder.embed([text for _, text, _ in todo])
            for (trial, _, digest), vector in zip(todo, vectors, strict=True):
                row = stored.get(trial.id) or TrialEmbedding(trial_id=trial.id)
                row.model_id = embedder.model_id
                row.text_hash = digest
                row.vector = to_bytes(vector)
                row.embedded_at = row.checked_at = utcnow()
                session.add(row)
            computed += len(todo)
        # The unchanged ones were checked now: the next run passes them by. Their `embedded_at` stays, so readers
        # (which watch it) do not reload for nothing.
        changed = {trial.id for trial, _, _ in todo}
        for trial_id, existing in stored.items():
            if trial_id not in changed:
                existing.checked_at = utcnow()
        session.commit()
    return EmbedSummary(computed=computed, unchanged=unchanged)


def delete_vectors(session: Session) -> int:
    """Every stored vector (a model change recomputes them anyway); flushes."""
    return session.execute(delete(TrialEmbedding)).rowcount or 0


def vectors_version(session: Session) -> datetime | None:
    """When the newest vector was written: an index lookup, cheap enough for every search and page."""
    return session.scalar(select(func.max(TrialEmbedding.embedded_at)))


def load_matrix(session: Session, model_id: str) -> tuple[np.ndarray, Vectors]:
    """All vectors of one model: trial ids and an (n, 384) float32 matrix, in trial id order."""
    rows = session.execute(
        select(TrialEmbedding.trial_id, TrialEmbedding.vector)
        .where(TrialEmbedding.model_id == model_id)
        .order_by(TrialEmbedding.trial_id)
    ).tuples()
    ids: list[int] = []
    chunks: list[bytes] = []
    for trial_id, vector in rows:
        ids.append(trial_id)
        chunks.append(bytes(vector))
    matrix = np.frombuffer(b"".join(chunks), dtype="<f4").reshape(len(ids), DIMENSIONS).astype(np.float32)
    return np.asarray(ids, dtype=np.int64), matrix
