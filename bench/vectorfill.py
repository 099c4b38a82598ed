"""Vectors for a scale data set, and the memory of a gunicorn worker, for search_latency.py --hybrid.

A synthetic trial's vector is the real model's vector of one of the repository's records (chosen by a hash of the
trial's summary, which the scale set copies from a real record), plus small noise, at unit length. What a search
costs does not depend on which trial holds which vector; embedding 100,000 texts would take hours here.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from benchlib import BenchError
from sqlalchemy import create_engine, insert, select

from portal.embeddings.model import default_model_id
from portal.embeddings.store import to_bytes
from portal.models import Trial, TrialEmbedding

CACHE = Path(tempfile.gettempdir()) / "portal-bench-vectors.npz"
BATCH = 2000
NOISE = 0.007


def fill_vectors(database_url: str, cache: Path = CACHE) -> int:
    """Give every trial without a vector one; returns how many were written."""
    if not cache.exists():
        raise BenchError(f"{cache} not found: run bench/relevance_lay.py first (it writes the real vectors)")
    real = np.load(cache)["vectors"].astype(np.float32)
    rng = np.random.default_rng(11)
    engine = create_engine(database_url)
    written = 0
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            missing = select(Trial.id, Trial.brief_summary).where(~Trial.id.in_(select(TrialEmbedding.trial_id)))
            rows = conn.execute(missing).all()
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                picks = [int(hashlib.sha256((s or "").encode()).hexdigest()[:8], 16) % len(real) for _, s in batch]
                vectors = real[picks] + rng.normal(0, NOISE, (len(batch), real.shape[1])).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                values = [
                    {
                        "trial_id": trial_id,
                        "model_id": default_model_id(),
                        "text_hash": "bench-copy",
                        "vector": to_bytes(vector),
                        "embedded_at": now,
                        "checked_at": now,
                    }
                    for (trial_id, _), vector in zip(batch, vectors, strict=True)
                ]
                conn.execute(insert(TrialEmbedding), values)
                written += len(values)
    finally:
        engine.dispose()
    return written


def worker_rss_mib(master_pid: int) -> float:
    """The largest resident set of the gunicorn master's worker processes, in MiB (0 when none is found)."""
    largest = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != master_pid:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                largest = max(largest, int(line.split()[1]) / 1024)
    return largest
