"""The SQL of a search: one condition on trials per URL parameter, so a facet can leave its own one out.

Every value a search compares with is a named bind parameter, and `search_values` gives them for one query. The
statements depend only on which names a search has (its shape), so one built statement serves every search of
that shape with new values: building and hashing a statement of this size costs more than many searches take in
the database.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased

from portal.ctgov.ages import MINUTES_PER_YEAR
from portal.ctgov.terms import singular
from portal.geo import bounding_box, sql_great_circle_km
from portal.models.trial import SearchFacts, Site, phase_mask
from portal.search.index import TextFirstJoin, fts_table, matching_ids, pg_text_match, sqlite_text_match
from portal.search.params import SearchQuery
from portal.search.querytext import ParsedText, fts5_query, parse_text, stem
from portal.search.synonyms import expand_query, expand_terms
from portal.search.translated import LexemeReader, translated_conditions
from portal.vocabulary import ALL_SEXES, RECRUITING

MAX_EXPANSIONS = 8


def json_contains(dialect: str, column: Any, value: Any) -> ColumnElement[bool]:
    """A JSON list column holds the value (a string expression): JSONB containment on PostgreSQL, json_each on
    SQLite."""
    if dialect == "postgresql":
        return type_coerce(column, JSONB).op("@>")(func.jsonb_build_array(value))
    items = func.json_each(column).table_valued("value")
    return exists(select(literal(1)).select_from(items).where(items.c.value == value))


def json_values(dialect: str, column: Any) -> Any:
    """A table-valued function over a JSON list column, with a `value` column (for facet counts)."""
    if dialect == "postgresql":
        return func.jsonb_array_elements_text(column).table_valued("value")
    return func.json_each(column).table_valued("value")


def synonym_queries(text: str, lexemes: LexemeReader | None = None, english: list[str] | None = None) -> list[str]:
    """Alternatives ORed with the query: the whole query with a lay phrase swapped for its clinical names
    ("heart attack treatment" -> "myocardial infarction treatment"), so the other words still count; for queries
    with quotes, `or` or `-word`, which cannot be rewritten safely, the alternatives of their known phrases.

    A query in Spanish or Chinese ("cáncer de mama", "乳腺癌") is searched for as its English conditions, each with
    its own alternatives.
    """
    if english is None:
        english = translated_conditions(text, lexemes)
    if english:
        return list(dict.fromkeys([*english, *(alt for name in english for alt in expand_terms(name))]))
    return expand_query(text) or expand_terms(text.casefold())


def _plain_words_of(parsed: ParsedText) -> frozenset[str] | None:
    """The words of a text that is only words, all required (no phrases, no `or`); None for any other text."""
    if any(len(group) != 1 or len(group[0]) != 1 for group in parsed.groups):
        return None
    return frozenset(singular(group[0][0]) for group in parsed.groups)


def _without_redundant(parsed: ParsedText, expansions: list[tuple[str, ParsedText]]) -> list[tuple[str, ParsedText]]:
    """The expansions that can find a trial the others cannot: "diabetes mellitus" adds nothing to "diabetes" (every
    trial with both words has the first), but each alternative costs the full-text engine, and scoring, time."""
    seen = [words] if (words := _plain_words_of(parsed)) is not None else []
    candidates = [(i, text, alt, _plain_words_of(alt)) for i, (text, alt) in enumerate(expansions) if not alt.is_empty]
    kept = []
    # The fewest words first, so a shorter alternative makes its longer forms redundant whatever their order.
    for i, text, alternative, words in sorted(candidates, key=lambda c: len(c[3]) if c[3] is not None else 0):
        if words is not None:
            if any(earlier <= words for earlier in seen):
                continue
            seen.append(words)
        kept.append((i, text, alternative))
    return [(text, alternative) for _, text, alternative in sorted(kept, key=lambda k: k[0])]


class TextMatch:
    """What the search box asks for, with its synonym expansions, for one dialect."""

    def __init__(self, dialect: str, text: str, lexemes: LexemeReader | None = None) -> None:
        self.parsed = parse_text(text)
        # The English conditions a Spanish or Chinese query names (the meaning search reads them too).
        self.translated: list[str] = [] if self.parsed.is_empty else translated_conditions(text, lexemes)
        expansions = [] if self.parsed.is_empty else synonym_queries(text, lexemes, self.translated)[:MAX_EXPANSIONS]
        kept = _without_redundant(self.parsed, [(e, parse_text(e)) for e in expansions])
        self.expansions: list[ParsedText] = [parsed for _, parsed in kept]
        self.dialect = dialect
        self.texts = [text, *(e for e, _ in kept)]

    @property
    def is_empty(self) -> bool:
        return self.parsed.is_empty

    def values(self) -> dict[str, Any]:
        """The bind values of the match: one text per alternative on PostgreSQL, one MATCH expression on SQLite."""
        if self.is_empty:
            return {}
        if self.dialect == "postgresql":
            return {f"{TEXT_PREFIX}{i}": text for i, text in enumerate(self.texts)}
        return {FTS_QUERY: fts5_query(self.parsed, self.expansions)}

    def stems(self) -> set[str]:
        words = self.parsed.words() + [w for p in self.expansions for w in p.words()]
        return {stem(w) for w in words}


# The bind names of the text: FTS_QUERY on SQLite; TEXT_PREFIX and a number per alternative on PostgreSQL.
FTS_QUERY = "fts_query"
TEXT_PREFIX = "text_"
PLACE_NAMES = ("place_lat", "place_lon", "min_lat", "max_lat", "min_lon", "max_lon", "radius_km")


def has_text(names: frozenset[str]) -> bool:
    return FTS_QUERY in names or f"{TEXT_PREFIX}0" in names


def has_meaning(names: frozenset[str]) -> bool:
    """The search also takes the trials nearest in meaning to its text (see portal.search.semantic)."""
    return "meaning_ids" in names


def has_place(names: frozenset[str]) -> bool:
    return "radius_km" in names


def _text_binds(names: frozenset[str]) -> list[Any]:
    count = sum(1 for name in names if name.startswith(TEXT_PREFIX))
    return [bindparam(f"{TEXT_PREFIX}{i}", type_=String) for i in range(count)]


def text_hits(dialect: str, names: frozenset[str]) -> Select[Any]:
    """SELECT trial_id of the trials the text matches."""
    return matching_ids(dialect, bindparam(FTS_QUERY, type_=String), _text_binds(names))


def pg_text_condition(names: frozenset[str]) -> ColumnElement[bool]:
    """PostgreSQL: whether a search_facts row matches the text, as `narrow_by_text` asks it."""
    return pg_text_match(_text_binds(names))[0]


def narrow_by_text(
    dialect: str, names: frozenset[str], statement: Select[Any], scored_when: ColumnElement[bool]
) -> Select[Any]:
    """A SELECT from search_facts kept to the trials the text matches, with a `score` for those `scored_when`
    holds for (NULL for the others): the page needs no more, and scoring is the costly part of a broad query."""
    if dialect == "postgresql":
        match, score = pg_text_match(_text_binds(names))  # the vectors are columns of search_facts
    else:
        match, score = sqlite_text_match(bindparam(FTS_QUERY, type_=String))
        facts = SearchFacts.__table__
        statement = statement.select_from(TextFirstJoin(fts_table, facts, fts_table.c.rowid == facts.c.trial_id))
    return statement.where(match).add_columns(case((scored_when, score), else_=null()).label("score"))


def search_values(query: SearchQuery, text: TextMatch | None, meaning_ids: list[int] | None = None) -> dict[str, Any]:
    """Every bind value of a search, by name. The names present are the search's shape."""
    values: dict[str, Any] = {"offset": (query.page - 1) * query.per_page, "limit": query.per_page}
    if text is not None and not text.is_empty and meaning_ids:
        values["meaning_ids"] = json.dumps(meaning_ids)
    if query.statuses:  # none: any status
        values["statuses"] = list(query.statuses)
    if text is not None:
        values.update(text.values())
    if query.phases:
        values["phase_mask"] = phase_mask(list(query.phases))
    if query.age is not None:
        values["age_minutes"] = query.age * MINUTES_PER_YEAR
    if query.sex:
        values["sex"] = query.sex
    if query.healthy:
        values["healthy"] = True
    if query.study_type:
        values["study_type"] = query.study_type
    if query.country:
        values["country"] = query.country
    if query.place is not None and query.radius_km is not None:
        box = bounding_box(query.place.latitude, query.place.longitude, query.radius_km)
        place = (query.place.latitude, query.place.longitude, *box, query.radius_km)
        values.update(zip(PLACE_NAMES, place, strict=True))
    return values


def near_sites() -> Select[Any]:
    """SELECT trial_id, distance_km of each trial's nearest recruiting site inside the circle.

    The box comes first, as plain comparisons on indexed columns (the index holds the trial too); the great-circle
    distance only for sites in it.
    """
    lat, lon, min_lat, max_lat, min_lon, max_lon, radius = (bindparam(name, type_=Float) for name in PLACE_NAMES)
    site = aliased(Site)
    distance = sql_great_circle_km(lat, lon, site.latitude, site.longitude)
    return (
        select(site.trial_id.label("trial_id"), func.min(distance).label("distance_km"))
        .where(
            site.status == RECRUITING,
            site.latitude.between(min_lat, max_lat),
            site.longitude.between(min_lon, max_lon),
            distance <= radius,
        )
        .group_by(site.trial_id)
    )


# The filters with facet counts: each count leaves its own filter out. The others (the text, the place, age,
# healthy volunteers) narrow every count.
FACETED = ("status", "phase", "sex", "type", "country")


def fact_conditions(
    dialect: str, names: frozenset[str], facts: Any, faceted_only: bool = False
) -> dict[str, ColumnElement[bool]]:
    """One condition per active parameter but the text and the place (or only those in FACETED), on `facts`: the
    search_facts table's columns, or those of a selection of its rows."""
    conditions: dict[str, ColumnElement[bool]] = {}
    if "statuses" in names:
        conditions["status"] = facts.overall_status.in_(bindparam("statuses", expanding=True, type_=String))
    if "phase_mask" in names:
        conditions["phase"] = facts.phase_mask.op("&")(bindparam("phase_mask", type_=Integer)) != 0
    if "age_minutes" in names and not faceted_only:
        minutes = bindparam("age_minutes", type_=Integer)
        # NULL ages are "no limit" only in a record that gave its eligibility module; without it they are unknown.
        conditions["age"] = and_(
            facts.eligibility_given.is_(True),
            or_(facts.minimum_age_minutes.is_(None), facts.minimum_age_minutes <= minutes),
            or_(facts.maximum_age_minutes.is_(None), facts.maximum_age_minutes >= minutes),
        )
    if "sex" in names:
        conditions["sex"] = sex_condition(facts, bindparam("sex", type_=String))
    if "healthy" in names and not faceted_only:
        # Only a trial that says it takes healthy volunteers: one that says nothing is not counted in.
        conditions["healthy"] = facts.healthy_volunteers.is_(True)
    if "study_type" in names:
        conditions["type"] = facts.study_type == bindparam("study_type", type_=String)
    if "country" in names:
        conditions["country"] = json_contains(dialect, facts.countries, bindparam("country", type_=String))
    return conditions


def filter_conditions(dialect: str, names: frozenset[str]) -> dict[str, ColumnElement[bool]]:
    """One condition on search_facts per active parameter, keyed by the parameter's URL name."""
    facts = SearchFacts.__table__.c
    conditions: dict[str, ColumnElement[bool]] = {}
    if has_text(names):
        conditions["q"] = facts.trial_id.in_(text_hits(dialect, names))
    conditions.update(fact_conditions(dialect, names, facts))
    if has_place(names):
        circle = near_sites().subquery()
        conditions["near"] = facts.trial_id.in_(select(circle.c.trial_id))
    return conditions


def sex_condition(facts: Any, sex: Any) -> ColumnElement[bool]:
    """A trial open to all takes both; one whose record gives no sex (a partial copy) matches neither."""
    return or_(facts.sex == ALL_SEXES, facts.sex == sex)


def visible(conditions: dict[str, ColumnElement[bool]], leave_out: str | None = None) -> list[ColumnElement[bool]]:
    return [SearchFacts.hidden.is_(False), *(c for name, c in conditions.items() if name != leave_out)]
