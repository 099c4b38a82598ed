"""The search service: one query object in, one page of ranked, explained hits with facets out, on either database.

Free of Flask request state, so the pages and the JSON API share it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from portal.geo import bounding_box, rounded_distance, sql_great_circle_km
from portal.models.trial import Site, Trial, TrialCondition
from portal.search.facets import Facet, facet_lists, read_counts, search_statement
from portal.search.filters import TextMatch, filter_conditions, has_text
from portal.search.index import dialect_of
from portal.search.params import SearchQuery, parse_search_args
from portal.search.querytext import StemMatcher
from portal.search.reasons import match_reasons, meaning_reason, searched_words
from portal.search.semantic import meaning_candidates
from portal.search.suggest import did_you_mean, relax_filter, wider_distance
from portal.search.translated import LexemeReader
from portal.text import shorten, to_plain_text
from portal.vocabulary import OPEN_STATUSES, RECRUITING

SEARCH_WORK_MEM = "32MB"
SUMMARY_CHARACTERS = 220
MAX_ALSO_SEARCHED = 5

__all__ = ["NearestSite", "SearchHit", "SearchPage", "SearchQuery", "parse_search_args", "search_trials"]


@dataclass(frozen=True)
class NearestSite:
    facility: str | None
    city: str | None
    state: str | None
    country: str | None
    distance_km: float
    distance: float  # in the query's unit
    unit: str


@dataclass
class SearchHit:
    nct_id: str
    brief_title: str
    overall_status: str
    conditions: list[str]
    reasons: list[str]
    phases: list[str]
    study_type: str | None
    # False for a partial copy of the record without its eligibility module: its ages are unknown, not "any".
    eligibility_given: bool
    minimum_age_text: str | None
    maximum_age_text: str | None
    summary: str = ""  # the start of the brief summary, as plain text
    # How fresh the status is (trial columns, so a page of hits never reads the deferred record).
    last_update_posted_on: date | None = None
    status_verified_date: str | None = None
    primary_completion_date: str | None = None
    primary_completion_date_type: str | None = None
    nearest: NearestSite | None = None
    by_meaning: bool = False  # found by meaning alone: the text does not match it

    @property
    def is_open(self) -> bool:
        return self.overall_status in OPEN_STATUSES


@dataclass
class SearchPage:
    query: SearchQuery
    hits: list[SearchHit]
    total: int
    page: int
    pages: int
    facets: dict[str, Facet] = field(default_factory=dict)
    did_you_mean: str | None = None
    relax: str | None = None
    also_searched: list[str] = field(default_factory=list)  # the synonyms searched beside the words typed
    wider_within: int | None = None  # a distance (the query's unit) that finds trials when this one finds none
    by_meaning: bool = False  # some hits on this page were found by meaning alone (the page says how)


def spanish_lexemes(session: Session) -> LexemeReader:
    """PostgreSQL's `spanish` configuration: the lexemes of each text (stemmed, its stop words dropped)."""

    def read(texts: list[str]) -> list[frozenset[str]]:
        rows = session.execute(
            sql_text(
                "SELECT t.ordinality, array(SELECT lexeme FROM unnest(to_tsvector('spanish', t.value))) "
                "FROM unnest(CAST(:texts AS text[])) WITH ORDINALITY AS t(value, ordinality)"
            ),
            {"texts": texts},
        )
        by_position = {int(position): frozenset(found) for position, found in rows}
        return [by_position.get(i + 1, frozenset()) for i in range(len(texts))]

    return read


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def meaning_query(q: str | None, english: list[str]) -> str | None:
    """What the language model reads of a search. The model knows English only: a Spanish or Chinese condition
    name it would misread ("cáncer de mama") is read as `english`, the English conditions it names ("breast
    cancer"); Chinese text with no known name is left to full text alone; anything else is read as typed."""
    if not q:
        return None
    if english:
        return "; ".join(english)
    return None if _has_cjk(q) else q


def search_trials(session: Session, query: SearchQuery) -> SearchPage:
    dialect = dialect_of(session)
    lexemes = spanish_lexemes(session) if dialect == "postgresql" else None
    text = TextMatch(dialect, query.q, lexemes) if query.q else None
    meaning_q = meaning_query(query.q, text.translated) if text is not None and not text.is_empty else None
    meaning_ids = meaning_candidates(session, meaning_q)
    statement, values = search_statement(dialect, query, text, meaning_ids)
    names = frozenset(values)
    with search_plan(session, dialect, has_text(names)):
        counts = read_counts(session.execute(statement, values).tuples())
    total = counts.total
    pages = max(1, math.ceil(total / query.per_page))
    page = SearchPage(
        query=query,
        hits=_hits(session, query, text, counts.hit_ids, counts.by_meaning),
        total=total,
        page=query.page,
        pages=pages,
        facets=facet_lists(query, counts),
        also_searched=text.texts[1 : MAX_ALSO_SEARCHED + 1] if text is not None else [],
        by_meaning=bool(counts.by_meaning),
    )
    if total == 0:
        if query.q:
            page.did_you_mean = did_you_mean(session, query.q)
        conditions = filter_conditions(dialect, names)
        page.relax = relax_filter(session, query, conditions, values)
        page.wider_within = wider_distance(session, query, conditions, values)
    return page


@contextmanager
def search_plan(session: Session, dialect: str, text: bool) -> Iterator[None]:
    """PostgreSQL settings for the search statement run inside the block.

    A broad query's set (tens of thousands of facts rows) is kept in memory, not spilled to disk (for the rest of
    the transaction). With text, the planner may not scan the whole facts table inside the block: it takes that for
    as cheap as the text index when a query matches a sixth of the trials, but checking the text of every row costs
    several times the index (a search for "NSCLC" with two phases at 100,000 trials: about 0.22 s against 0.06 s),
    which its cost model does not see.
    """
    if dialect != "postgresql":
        yield
        return
    settings = "set_config('work_mem', :memory, true)"
    if text:
        settings += ", set_config('enable_seqscan', 'off', true)"
    session.execute(sql_text(f"SELECT {settings}"), {"memory": SEARCH_WORK_MEM})
    yield
    if text:
        session.execute(sql_text("SELECT set_config('enable_seqscan', 'on', true)"))


def _hits(
    session: Session, query: SearchQuery, text: TextMatch | None, ids: list[int], by_meaning: set[int]
) -> list[SearchHit]:
    """The page's trials, in the order the search gave their ids."""
    if not ids:
        return []
    by_id = {t.id: t for t in session.scalars(select(Trial).where(Trial.id.in_(ids)))}
    trials = [by_id[trial_id] for trial_id in ids if trial_id in by_id]
    conditions = _conditions_of(session, ids)
    nearest = _nearest_sites(session, query, ids) if query.place is not None else {}
    has_stem = StemMatcher(text.stems() if text is not None else set())
    searched = searched_words(text.parsed) if text is not None else ""
    return [
        SearchHit(
            nct_id=t.nct_id,
            brief_title=t.brief_title,
            overall_status=t.overall_status,
            conditions=conditions.get(t.id, []),
            reasons=(
                [meaning_reason()]
                if t.id in by_meaning
                else match_reasons(t, conditions.get(t.id, []), has_stem, searched)
            ),
            by_meaning=t.id in by_meaning,
            phases=list(t.phases or []),
            study_type=t.study_type,
            eligibility_given=t.eligibility_given,
            minimum_age_text=t.minimum_age_text,
            maximum_age_text=t.maximum_age_text,
            last_update_posted_on=t.last_update_posted_on,
            status_verified_date=t.status_verified_date,
            primary_completion_date=t.primary_completion_date,
            primary_completion_date_type=t.primary_completion_date_type,
            summary=shorten(to_plain_text(t.brief_summary), SUMMARY_CHARACTERS),
            nearest=nearest.get(t.id),
        )
        for t in trials
    ]


def _conditions_of(session: Session, trial_ids: list[int]) -> dict[int, list[str]]:
    """The conditions of all hits in one query."""
    found: dict[int, list[str]] = {}
    if trial_ids:
        rows = session.execute(
            select(TrialCondition.trial_id, TrialCondition.name)
            .where(TrialCondition.trial_id.in_(trial_ids))
            .order_by(TrialCondition.trial_id, TrialCondition.position)
        )
        for trial_id, name in rows.tuples():
            found.setdefault(trial_id, []).append(name)
    return found


def _nearest_sites(session: Session, query: SearchQuery, trial_ids: list[int]) -> dict[int, NearestSite]:
    """Each hit's nearest recruiting site, in one query over the hits' sites."""
    place = query.place
    assert place is not None
    if not trial_ids:
        return {}
    min_lat, max_lat, min_lon, max_lon = bounding_box(place.latitude, place.longitude, query.radius_km or 0)
    distance = sql_great_circle_km(place.latitude, place.longitude, Site.latitude, Site.longitude).label("d")
    rows = session.execute(
        select(Site.trial_id, Site.facility, Site.city, Site.state, Site.country, distance)
        .where(
            Site.trial_id.in_(trial_ids),
            Site.status == RECRUITING,
            # Every hit has a recruiting site in the circle, so the box loses none and skips the far ones.
            Site.latitude.between(min_lat, max_lat),
            Site.longitude.between(min_lon, max_lon),
        )
        .order_by(Site.trial_id, distance, Site.position)
    )
    nearest: dict[int, NearestSite] = {}
    for trial_id, facility, city, state, country, km in rows.tuples():
        if trial_id not in nearest:
            shown = rounded_distance(km, query.unit, 1)
            nearest[trial_id] = NearestSite(facility, city, state, country, km, shown, query.unit)
    return nearest
