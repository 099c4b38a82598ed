"""The meaning half of a hybrid search: the trials whose vectors lie nearest to what was typed.

The full-text ranking and this one are fused in SQL (reciprocal rank fusion, see portal.search.facets), after the
same filters, so a trial found by meaning alone is still one the filters allow. When the model cannot load, or no
trial has a vector yet, there is no meaning half and the search is the full-text search it always was.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from portal.embeddings.runtime import nearest_to_text

log = logging.getLogger(__name__)

# The nearest trials considered, before the filters; and how near a trial must be to count as a match at all.
# all-MiniLM-L6-v2 gives unrelated texts a cosine of about 0 to 0.2; a lay query and a trial about it (for
# "can't sleep", an insomnia trial) score 0.35 and up (calibrated on bench/relevance_lay.json).
MEANING_CANDIDATES = 100
MIN_SIMILARITY = 0.35

_failed: set[str] = set()


def meaning_text(q: str) -> str:
    """What the model reads of a search: the words as typed ("can't" matters to meaning, though full text drops it),
    without the words left out (`-children`) or the quotes."""
    kept = (word for word in q.replace('"', " ").split() if not word.startswith("-"))
    return " ".join(kept)


def meaning_candidates(session: Session, q: str | None) -> list[int] | None:
    """The trial ids nearest in meaning to a search text, nearest first; None when meaning is off. Never raises:
    a model that fails at run time leaves the search to full text, with one warning per process and kind."""
    if not q:
        return None
    words = meaning_text(q)
    if not words:
        return None
    try:
        found = nearest_to_text(session, words, MEANING_CANDIDATES, MIN_SIMILARITY)
    except Exception as exc:  # onnxruntime raises its own kinds; the search must answer all the same
        kind = type(exc).__name__
        if kind not in _failed:
            _failed.add(kind)
            log.warning("matching by meaning failed (%s); searching with full text alone", kind)
        return None
    if not found:
        return None
    return [trial_id for trial_id, _ in found]
