"""Past tens of thousands of trials: an HNSW index (usearch) in one file that every process memory-maps.

The NumPy scan reads every vector for every search: 146 MiB per worker and 20 ms on a quiet core at 100,000
trials, and several times that on a busy machine. The index answers in well under a millisecond from a file whose
pages the operating system shares between all gunicorn workers. It is rebuilt whole after the vectors change (an
import, `flask trials embed`), written under a new name and then named in a small JSON file, so a reader never sees
half a file. A reader uses it only while that JSON names the vectors' current version; otherwise it scans, which is
slower but always right.

Import this module only where it is used: it loads onnxruntime first, on purpose. With usearch 2.26 loaded before
onnxruntime (1.32), the process dies in onnxruntime's import (a segmentation fault); in this order both work.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import onnxruntime  # noqa: F401  # before usearch (see above); isort keeps this order
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from usearch.index import Index

from portal.embeddings.model import DIMENSIONS, Vectors
from portal.embeddings.runtime import INDEX_META_FILE as META_FILE
from portal.embeddings.store import load_matrix
from portal.models.embedding import TrialEmbedding

log = logging.getLogger(__name__)

# Graph degree and build/search breadth. At 100,000 of the bench's vectors (bench/vector_store.py, loaded machine),
# search breadth 256 / 512 / 1,024 found 0.80 / 0.95 / 0.98 of the scan's 100 nearest in 0.5 / 1.1 / 6.7 ms;
# a degree of 32 instead of 16 gained little at 512. 512 it is.
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 512


def version_key(version: datetime | None) -> str | None:
    return None if version is None else version.isoformat()


@dataclass(frozen=True)
class IndexBuild:
    count: int
    seconds: float
    path: Path | None  # None: too few vectors, so no index (readers scan)

    def line(self) -> str:
        if self.path is None:
            return f"Meaning index: not needed for {self.count} vectors (searches scan them)."
        return f"Meaning index: {self.count} vectors in {self.seconds:.1f} s ({self.path.name})."


def build_index(
    session: Session, directory: Path, version: datetime | None, model_id: str, min_count: int
) -> IndexBuild:
    """Build the index of every vector of a model (as of `version`) and make it the current one; with fewer than
    `min_count` vectors, remove the current one instead, so readers scan."""
    started = time.perf_counter()
    meta_path = directory / META_FILE
    count = session.scalar(select(func.count()).select_from(TrialEmbedding).where(TrialEmbedding.model_id == model_id))
    if not count or count < min_count or version is None:
        if directory.is_dir():
            meta_path.unlink(missing_ok=True)
            _remove_unnamed(directory, keep=None)
        return IndexBuild(count or 0, time.perf_counter() - started, None)
    ids, matrix = load_matrix(session, model_id)
    directory.mkdir(parents=True, exist_ok=True)
    index = Index(ndim=DIMENSIONS, metric="cos", dtype="f16", connectivity=CONNECTIVITY, expansion_add=EXPANSION_ADD)
    index.add(ids, matrix)
    name = f"trial-vectors-{time.time_ns()}.usearch"
    index.save(str(directory / name))
    meta = {"file": name, "version": version_key(version), "model_id": model_id, "count": int(len(ids))}
    staged = directory / f"{META_FILE}.{os.getpid()}.tmp"
    staged.write_text(json.dumps(meta), encoding="utf-8")
    os.replace(staged, meta_path)  # the switch: readers now open the new file
    _remove_unnamed(directory, keep=name)  # a process still mapping an old file keeps its pages until it lets go
    return IndexBuild(len(ids), time.perf_counter() - started, directory / name)


def _remove_unnamed(directory: Path, keep: str | None) -> None:
    for old in directory.glob("trial-vectors-*.usearch"):
        if old.name != keep:
            old.unlink(missing_ok=True)


@dataclass(frozen=True)
class VectorIndex:
    """The trial vectors of one version, searched through a memory-mapped index."""

    version: datetime | None
    index: Index
    stamp: float | None  # the JSON file's mtime when it was opened

    @property
    def size(self) -> int:
        return len(self.index)

    def nearest(self, vector: Vectors, limit: int, min_similarity: float = -1.0) -> list[tuple[int, float]]:
        if not len(self.index) or limit <= 0:
            return []
        found = self.index.search(np.asarray(vector, dtype=np.float32), min(limit, len(self.index)))
        return [
            (int(key), 1.0 - float(distance))
            for key, distance in zip(found.keys, found.distances, strict=True)
            if 1.0 - float(distance) >= min_similarity
        ]

    def vector_of(self, trial_id: int) -> Vectors | None:
        vector = self.index.get(trial_id, dtype=np.float32)
        return None if vector is None else np.asarray(vector, dtype=np.float32)


def open_index(directory: Path, version: datetime | None, model_id: str, stamp: float | None) -> VectorIndex | None:
    """The current index (named when the JSON file had `stamp`), if it holds exactly these vectors; None
    otherwise (the caller scans)."""
    try:
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        if meta.get("version") != version_key(version) or meta.get("model_id") != model_id:
            return None
        index = Index.restore(str(directory / meta["file"]), view=True)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        log.warning("the meaning index could not be opened (%s); searches scan the vectors", type(exc).__name__)
        return None
    if index is None:
        return None
    index.expansion_search = EXPANSION_SEARCH
    return VectorIndex(version, index, stamp)
