"""The model and the trial vectors as each process holds them: loaded once, refreshed when the vectors change.

The vector store is a NumPy matrix of every trial's unit vector, scanned whole for each query (a matrix product):
at 10,000 trials that is 15 MB and about a millisecond, and it needs no index to keep in step with the database.
From VECTOR_INDEX_MIN_TRIALS vectors on (20,000 by default), imports also build a memory-mapped HNSW index
(portal.embeddings.index), which every worker shares and searches instead, while it holds the current vectors.
bench/vector_store.py and bench/search_latency.py --hybrid measure both (see the README).

If the model cannot be loaded, meaning is off for the process: one warning in the log, and search answers with
full text alone.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy.orm import Session

from portal.embeddings.model import (
    Embedder,
    ModelUnavailable,
    Vectors,
    default_model_id,
    default_model_path,
    default_tokenizer_path,
    load_embedder,
)
from portal.embeddings.store import load_matrix, vectors_version

log = logging.getLogger(__name__)

_lock = threading.Lock()


class QueryVectors:
    """The vectors of the last `size` search texts, newest kept: a search's next page, a filter ticked or the back
    button asks for the same words again, and the model takes 10 to 30 ms a text on a busy CPU. In memory only,
    never logged; 1.5 KB a text (1,024 by default: QUERY_VECTOR_CACHE, 0 turns it off)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._vectors: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    def vector(self, embedder: Embedder, text: str) -> Vectors:
        if self._size <= 0:
            return embedder.embed_one(text)
        with self._lock:
            found = self._vectors.get(text)
            if found is not None:
                self._vectors.move_to_end(text)
                return found
        vector = embedder.embed_one(text)
        with self._lock:
            self._vectors[text] = vector
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return vector


@dataclass(frozen=True)
class _LoadedModel:
    key: tuple[Any, ...]
    embedder: Embedder | None  # None: it could not be loaded (and the warning was logged)
    queries: QueryVectors = field(default_factory=lambda: QueryVectors(0))


@dataclass(frozen=True)
class VectorMatrix:
    """Every trial's vector of one model, as of `version` (the newest `embedded_at`)."""

    version: datetime | None
    ids: np.ndarray
    matrix: Vectors
    rows: dict[int, int]  # trial id -> row
    stamp: float | None = field(default=None)  # the index file's stamp when this was loaded (see get_matrix)

    @property
    def size(self) -> int:
        return len(self.ids)

    def nearest(self, vector: Vectors, limit: int, min_similarity: float = -1.0) -> list[tuple[int, float]]:
        """The trials most similar to `vector`, best first, as (trial id, cosine similarity)."""
        if not len(self.ids) or limit <= 0:
            return []
        scores = self.matrix @ vector
        limit = min(limit, len(scores))
        top = np.argpartition(-scores, limit - 1)[:limit]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in top if scores[i] >= min_similarity]

    def vector_of(self, trial_id: int) -> Vectors | None:
        row = self.rows.get(trial_id)
        return None if row is None else self.matrix[row]


def _model_key(config: Any) -> tuple[Any, ...]:
    model = config.get("EMBEDDING_MODEL_PATH") or default_model_path()
    tokenizer = config.get("EMBEDDING_TOKENIZER_PATH") or default_tokenizer_path()
    return (str(model) if model else None, str(tokenizer) if tokenizer else None, config.get("EMBEDDING_THREADS", 1))


def get_embedder() -> Embedder | None:
    """The process's model, loaded on first use; None when meaning is off or the model cannot load."""
    app = current_app
    if not app.config.get("SEMANTIC_SEARCH", True):
        return None
    key = _model_key(app.config)
    loaded: _LoadedModel | None = app.extensions.get("embedding_model")
    if loaded is not None and loaded.key == key:
        return loaded.embedder
    with _lock:
        loaded = app.extensions.get("embedding_model")
        if loaded is not None and loaded.key == key:
            return loaded.embedder
        model, tokenizer, threads = key
        try:
            embedder: Embedder | None = load_embedder(
                Path(model) if model else None, Path(tokenizer) if tokenizer else None, threads
            )
        except ModelUnavailable as exc:
            log.warning("matching by meaning is off: %s; searches use full text alone", exc)
            embedder = None
        app.extensions["embedding_model"] = _LoadedModel(key, embedder, QueryVectors(_cache_size(app.config)))
        return embedder


def _cache_size(config: Any) -> int:
    return int(config.get("QUERY_VECTOR_CACHE", 1024))


def set_embedder(app: Any, embedder: Any) -> None:
    """Use this embedder in the app (a test wraps the real model to count or reuse its work)."""
    app.extensions["embedding_model"] = _LoadedModel(
        _model_key(app.config), embedder, QueryVectors(_cache_size(app.config))
    )


INDEX_META_FILE = "trial-vectors.json"  # names the current index file (portal.embeddings.index)


def index_directory(config: Any) -> Path:
    return Path(config.get("VECTOR_INDEX_DIR") or Path(current_app.instance_path) / "vectors")


def _index_stamp(config: Any) -> float | None:
    """The index file's stamp, when indexes are in use; a change means a new index may be there to open."""
    if not config.get("VECTOR_INDEX_MIN_TRIALS"):
        return None
    try:
        return (index_directory(config) / INDEX_META_FILE).stat().st_mtime
    except OSError:
        return None


def get_matrix(session: Session) -> VectorMatrix | Any:
    """The process's vectors (a VectorMatrix, or a VectorIndex from portal.embeddings.index), read again when
    the stored vectors have changed since they were loaded, or when a new index file has been named."""
    app = current_app
    version = vectors_version(session)
    stamp = _index_stamp(app.config)
    held = app.extensions.get("embedding_matrix")
    if held is not None and held.version == version and held.stamp == stamp:
        return held
    with _lock:
        held = app.extensions.get("embedding_matrix")
        if held is not None and held.version == version and held.stamp == stamp:
            return held
        held = _open_index(version, stamp) if stamp is not None and version is not None else None
        if held is None:
            if version is None:
                ids, matrix = np.zeros(0, dtype=np.int64), np.zeros((0, 384), dtype=np.float32)
            else:
                ids, matrix = load_matrix(session, default_model_id())
            held = VectorMatrix(version, ids, matrix, {int(t): i for i, t in enumerate(ids)}, stamp)
        app.extensions["embedding_matrix"] = held
        return held


def _open_index(version: datetime, stamp: float) -> Any:
    from portal.embeddings import index  # loads onnxruntime, then usearch: only where an index is in use

    return index.open_index(index_directory(current_app.config), version, default_model_id(), stamp)


def refresh_index(session: Session) -> Any:
    """After the vectors changed: build the shared index when there are enough of them (or remove it when there
    are too few), so every worker switches to it at its next search. None when indexes are off."""
    config = current_app.config
    minimum = config.get("VECTOR_INDEX_MIN_TRIALS")
    if not minimum:
        return None
    from portal.embeddings import index

    return index.build_index(
        session, index_directory(config), vectors_version(session), default_model_id(), int(minimum)
    )


def nearest_to_text(session: Session, text: str, limit: int, min_similarity: float) -> list[tuple[int, float]] | None:
    """The trials nearest in meaning to a text, or None when meaning is off (no model, or no vectors yet)."""
    if not current_app.config.get("SEMANTIC_SEARCH", True):
        return None
    matrix = get_matrix(session)  # first: with no vectors yet, the model is not even loaded
    if not matrix.size:
        return None
    embedder = get_embedder()
    if embedder is None:
        return None
    loaded: _LoadedModel = current_app.extensions["embedding_model"]
    return matrix.nearest(loaded.queries.vector(embedder, text), limit, min_similarity)
