"""A file of vectors the real model computed, by a hash of the text, so benchmarks embed each text once across runs."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from portal.embeddings.model import DIMENSIONS, Embedder, Vectors


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class CachedEmbedder:
    """The real model behind a cache file (an .npz of hashes and vectors); counts what the model itself did."""

    def __init__(self, real: Embedder, path: Path) -> None:
        self.real = real
        self.model_id = real.model_id
        self.path = path
        self.memory: dict[str, Vectors] = {}
        if path.exists():
            data = np.load(path)
            self.memory = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
        self.computed = 0
        self.seconds = 0.0

    def embed(self, texts: Sequence[str]) -> Vectors:
        keys = [_key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self.memory}
        if missing:
            started = time.perf_counter()
            vectors = self.real.embed(list(missing.values()))
            self.seconds += time.perf_counter() - started
            self.computed += len(missing)
            self.memory.update(zip(missing, vectors, strict=True))
        if not keys:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.vstack([self.memory[k] for k in keys])

    def embed_one(self, text: str) -> Vectors:
        return self.real.embed_one(text)

    def save(self) -> None:
        keys = list(self.memory)
        vectors = np.vstack([self.memory[k] for k in keys]) if keys else np.zeros((0, DIMENSIONS), np.float32)
        np.savez(self.path, keys=np.array(keys), vectors=vectors)
