"""When nothing is found: a condition the person may have meant, and the filter to drop."""

from __future__ import annotations

import threading
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from portal.geo import KM_PER_MILE, bounding_box
from portal.models.trial import SearchFacts, Trial, TrialCondition
from portal.search.filters import PLACE_NAMES, visible
from portal.search.params import DEFAULT_STATUSES, MAX_WITHIN, SearchQuery
from portal.search.querytext import plain_words

SIMILARITY_CUTOFF = 80
MIN_WORD_LENGTH = 4
# Filters tried in this order; on equal counts the first wins.
RELAXABLE = ("near", "country", "age", "sex", "healthy", "phase", "type", "status")

_cache_lock = threading.Lock()
_cache: dict[str, tuple[Any, list[str]]] = {}


def _vocabulary(session: Session) -> list[str]:
    """Known condition names and their words, cached per process until a trial changes."""
    # Counted on the narrow facts, not the wide trial rows; the latest change from the updated_at index.
    version = tuple(
        session.execute(
            select(
                select(func.count()).select_from(SearchFacts).scalar_subquery(),
                select(func.max(Trial.updated_at)).scalar_subquery(),
            )
        ).one()
    )
    key = str(session.get_bind().url)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
    names = session.scalars(select(TrialCondition.name_lower).distinct()).all()
    words = {w for name in names for w in plain_words(name) if len(w) >= MIN_WORD_LENGTH and w.isalpha()}
    vocabulary = sorted(set(names) | words)
    with _cache_lock:
        _cache[key] = (version, vocabulary)
    return vocabulary


def did_you_mean(session: Session, text: str) -> str | None:
    """The known condition (or condition word) closest to what was typed, if it is close and not the same."""
    typed = " ".join(plain_words(text))
    if len(typed) < MIN_WORD_LENGTH:
        return None
    match = process.extractOne(typed, _vocabulary(session), scorer=fuzz.ratio, score_cutoff=SIMILARITY_CUTOFF)
    if match is None or match[0] == typed:
        return None
    return str(match[0])


def relax_filter(
    session: Session, query: SearchQuery, conditions: dict[str, ColumnElement[bool]], values: dict[str, Any]
) -> str | None:
    """The filter whose removal gives the most trials (none if no removal gives any).

    The "narrowest" filter is the one that takes the most trials away; status counts as removed when it goes back
    to the default (recruiting). `values` are the conditions' bind values.
    """
    best: tuple[int, str] | None = None
    for name in RELAXABLE:
        if name not in conditions or (name == "status" and query.statuses == DEFAULT_STATUSES):
            continue
        relaxed = dict(conditions)
        if name == "status":
            relaxed["status"] = SearchFacts.overall_status.in_(DEFAULT_STATUSES)
        else:
            del relaxed[name]
        count = session.scalar(select(func.count()).select_from(SearchFacts).where(*visible(relaxed)), values) or 0
        if count and (best is None or count > best[0]):
            best = (count, name)
    return best[1] if best else None


# Distances offered when nothing is found nearby, in the query's unit; the first that finds trials is offered.
WIDER_DISTANCES = (25, 50, 100, 250, MAX_WITHIN)


def wider_distance(
    session: Session, query: SearchQuery, conditions: dict[str, ColumnElement[bool]], values: dict[str, Any]
) -> int | None:
    """The smallest of WIDER_DISTANCES past the query's own that finds a trial with every other filter kept."""
    place = query.place
    if place is None or "near" not in conditions:
        return None
    for within in (w for w in WIDER_DISTANCES if w > query.within):
        radius_km = within * (KM_PER_MILE if query.unit == "mi" else 1.0)
        box = bounding_box(place.latitude, place.longitude, radius_km)
        wider = dict(values, **dict(zip(PLACE_NAMES, (place.latitude, place.longitude, *box, radius_km), strict=True)))
        if session.scalar(select(func.count()).select_from(SearchFacts).where(*visible(conditions)), wider):
            return within
    return None
