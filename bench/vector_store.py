"""The vector store at scale: the NumPy scan the portal uses against a memory-mapped usearch (HNSW) index.

The vectors are the real model's vectors of the repository's 1,853 trials (from the cache bench/relevance_lay.py
writes), repeated with small noise (each copy stays about 0.98 cosine from its original, as trials of one
condition are) to reach each size. The queries are the lay queries of bench/relevance_lay.json, embedded by the real
model. For each size: the scan's time for the 100 nearest (median, p95; one thread, a matrix product and a
partial sort), its memory (the matrix each gunicorn worker holds); usearch's build time, file size, query time
through a memory-mapped view (the file's pages are shared by every worker on the machine), with the portal's own
index settings (portal/embeddings/index.py), and recall@100 against the exact answer: of the vectors, and of the
real records they copy (copies of one record are near ties, which a graph index picks among freely).

    .venv/bin/python bench/vector_store.py [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from benchlib import BenchError, machine_line, percentile, print_table

from portal.embeddings.model import DIMENSIONS, default_model_path, default_tokenizer_path, load_embedder

JUDGEMENTS = Path(__file__).with_name("relevance_lay.json")
NEAREST = 100
NOISE = 0.007  # per dimension: |noise| is about 0.14, so a copy keeps a cosine of about 0.99 with its original


def corpus(cache: Path, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`size` unit vectors, each a real record's with noise, and which real record each copies."""
    if not cache.exists():
        raise BenchError(f"{cache} not found: run bench/relevance_lay.py first (it writes the real vectors)")
    real = np.load(cache)["vectors"].astype(np.float32)
    sources = rng.integers(0, len(real), size)
    noisy = real[sources] + rng.normal(0, NOISE, (size, real.shape[1])).astype(np.float32)
    return noisy / np.linalg.norm(noisy, axis=1, keepdims=True), sources


def recall(exact: list[np.ndarray], found: list[np.ndarray], sources: np.ndarray | None = None) -> float:
    """Share of the exact nearest found by the index; with `sources`, counted by the real record each vector
    copies (copies of one record are near ties that a graph index may pick among freely)."""
    shares = []
    for e, f in zip(exact, found, strict=True):
        wanted = set(e.tolist()) if sources is None else set(sources[e].tolist())
        got = set(f.tolist()) if sources is None else set(sources[f].tolist())
        shares.append(len(wanted & got) / len(wanted))
    return statistics.mean(shares)


def scan(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    scores = matrix @ query
    top = np.argpartition(-scores, NEAREST - 1)[:NEAREST]
    return top[np.argsort(-scores[top])]


def timed(fn, repeats: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "portal-bench-vectors.npz")
    parser.add_argument("--dtype", default="f16", help="usearch's stored type: f32, f16 or i8 (default f16)")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    print(f"vector_store  {machine_line()}")
    rng = np.random.default_rng(7)
    embedder = load_embedder(default_model_path(), default_tokenizer_path())
    queries = embedder.embed([q["query"] for q in json.loads(JUDGEMENTS.read_text())["queries"]])
    # The portal's own settings; its index module loads onnxruntime before usearch (the other order crashes).
    from portal.embeddings.index import CONNECTIVITY, EXPANSION_ADD, EXPANSION_SEARCH, Index

    rows = []
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            matrix, sources = corpus(args.cache, size, rng)
            exact = [scan(matrix, q) for q in queries]
            scan_ms = [t for q in queries for t in timed(lambda q=q, m=matrix: scan(m, q), 3)]
            index = Index(
                ndim=DIMENSIONS,
                metric="cos",
                dtype=args.dtype,
                connectivity=CONNECTIVITY,
                expansion_add=EXPANSION_ADD,
            )
            started = time.perf_counter()
            index.add(np.arange(size), matrix)
            build = time.perf_counter() - started
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "trials.usearch"
                index.save(str(path))
                file_mib = path.stat().st_size / 1_048_576
                view = Index.restore(str(path), view=True)
                view.expansion_search = EXPANSION_SEARCH
                found = [view.search(q, NEAREST).keys for q in queries]
                index_ms = [t for q in queries for t in timed(lambda q=q, v=view: v.search(q, NEAREST), 3)]
            rows.append(
                [
                    f"{size:,}",
                    f"{statistics.median(scan_ms):.2f} / {percentile(scan_ms, 95):.2f}",
                    f"{matrix.nbytes / 1_048_576:,.0f}",
                    f"{build:,.1f}",
                    f"{file_mib:,.0f}",
                    f"{statistics.median(index_ms):.2f} / {percentile(index_ms, 95):.2f}",
                    f"{recall(exact, found):.3f} / {recall(exact, found, sources):.3f}",
                ]
            )
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    headers = ["trials", "NumPy scan ms (median / p95)", "matrix MiB per worker", "usearch build s"]
    headers += [f"index file MiB ({args.dtype}, shared)", "usearch ms (median / p95)", "recall@100 (vectors / records)"]
    print_table(rows, headers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
