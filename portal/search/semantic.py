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
# all-MiniLM-L6-v2 gives a short lay query and an unrelated trial a cosine of about 0 to 0.2, and a trial about
# it 0.25 to 0.5 ("can't sleep" and an insomnia trial). bench/relevance_lay.py, 67 lay queries on SQLite
# (MRR / recall@10): full text 0.271 / 0.214; hybrid at 0.40: 0.475 / 0.371, 0.35: 0.592 / 0.443, 0.30: 0.636 /
# 0.549, 0.25: 0.676 / 0.627, 0.20: 0.680 / 0.662. Below 0.25 little is gained and unrelated trials come in.
MEANING_CANDIDATES = 100
MIN_SIMILARITY = 0.25

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
