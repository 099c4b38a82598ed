"""One statement per search: the total, one page of ids and every facet count.

The text match and the distance are the costly parts of a search, so they are evaluated once: the trials they
select (with the age and healthy-volunteer filters, which no facet leaves out) become one materialised set of
narrow search-facts rows, with each trial's distance, and a score for those that pass every filter. A second set
holds the rows that pass every filter: the total, the page and each facet whose own filter is not in use are read
from it; a facet whose filter is in use counts the first set with every other filter kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB

from portal.models.trial import SearchFacts, phase_bit
from portal.search.filters import (
    FACETED,
    TextMatch,
    fact_conditions,
    has_meaning,
    has_place,
    has_text,
    json_values,
    narrow_by_text,
    near_sites,
    pg_text_condition,
    search_values,
    sex_condition,
)
from portal.search.params import SEXES, SearchQuery
from portal.vocabulary import PHASES, SEX_LABELS, STATUS_LABELS, STUDY_TYPE_LABELS, phase_label

TOP_COUNTRIES = 10
# Reciprocal rank fusion: a trial's place in the text ranking and in the meaning ranking each add 1 / (k + rank).
# 60 is the constant of Cormack, Clarke and Buettcher (2009): a first place is worth little more than a tenth.
RRF_K = 60
MEANING = "meaning"

Facet = list[tuple[str, str, int]]


def matching_rows(dialect: str, names: frozenset[str]) -> CTE:
    """The visible trials the text, the place, the age and healthy volunteers select, as a CTE of facts rows,
    with a score (text) and the nearest site's distance (place)."""
    facts = SearchFacts
    columns = [
        facts.trial_id,
        facts.nct_id,
        facts.overall_status,
        facts.study_type,
        facts.phase_mask,
        facts.sex,
        facts.countries,
        facts.last_update_posted_on,
    ]
    conditions = fact_conditions(dialect, names, facts.__table__.c)
    statement = select(*columns).where(
        facts.hidden.is_(False), *(c for name, c in conditions.items() if name not in FACETED)
    )
    narrowed = False
    meaning = has_meaning(names)
    if has_text(names):
        # Only trials that pass every filter are scored: the page is made of them alone.
        scored_when = and_(true(), *(c for name, c in conditions.items() if name in FACETED))
        statement = narrow_by_text(dialect, names, statement, scored_when)
        narrowed = True
        if meaning:
            statement = _with_meaning(dialect, statement, columns, conditions, names)
    if has_place(names):
        if narrowed and (dialect == "sqlite" or meaning):
            # Kept apart: SQLite would otherwise run the whole MATCH again for every row of the place's join.
            scored = statement.cte("scored").prefix_with("MATERIALIZED")
            statement = select(*scored.c)
            key = scored.c.trial_id
        else:
            key = facts.trial_id
        circle = near_sites().subquery("circle")
        statement = statement.join(circle, circle.c.trial_id == key).add_columns(circle.c.distance_km)
        narrowed = True
    # Narrowed, the set is small and read by every branch: worth keeping. Otherwise it is every trial, and each
    # branch reads the table with its own filters.
    return statement.cte("matching").prefix_with("MATERIALIZED" if narrowed else "NOT MATERIALIZED")


def meaning_ranks(dialect: str) -> Any:
    """The trials nearest in meaning to the search (the `meaning_ids` bind: a JSON list of trial ids, nearest
    first), as rows of (trial_id, meaning_rank)."""
    ids = bindparam("meaning_ids", type_=String)
    if dialect == "postgresql":
        items = func.jsonb_array_elements_text(cast(ids, JSONB)).table_valued("value", with_ordinality="ordinality")
        return select(cast(items.c.value, Integer).label("trial_id"), items.c.ordinality.label("meaning_rank"))
    items = func.json_each(ids).table_valued("key", "value")
    return select(cast(items.c.value, Integer).label("trial_id"), (items.c.key + 1).label("meaning_rank"))


def _with_meaning(
    dialect: str, text_rows: Select[Any], columns: list[Any], conditions: dict[str, Any], names: frozenset[str]
) -> Select[Any]:
    """The text's matches and the trials nearest in meaning, each once, with their text score (NULL for a trial
    the text does not match) and their meaning rank (NULL for one not near). The meaning's trials pass the same
    filters as the text's: hidden, age and healthy volunteers here, the faceted ones where the text's are."""
    near = meaning_ranks(dialect).cte("meaning").prefix_with("MATERIALIZED")
    facts = SearchFacts
    from_meaning = (
        select(*columns, null().label("score"), near.c.meaning_rank)
        .select_from(near)
        .join(facts, facts.trial_id == near.c.trial_id)
        .where(facts.hidden.is_(False), *(c for name, c in conditions.items() if name not in FACETED))
    )
    if dialect == "postgresql":
        # The text's matches are read once, straight into the fused set: a meaning trial the text also matches is
        # left out of the meaning's branch by testing its own vector (a hundred rows at most), not by keeping every
        # match (tens of thousands for a broad query) a second time to look it up in.
        from_text = text_rows.outerjoin(near, near.c.trial_id == facts.trial_id).add_columns(near.c.meaning_rank)
        from_meaning = from_meaning.where(~pg_text_condition(names))
    else:
        # SQLite's match is a join to the FTS5 table, not a test of one row: its matches are kept and looked up.
        text_set = text_rows.cte("text_rows").prefix_with("MATERIALIZED")
        from_text = select(*text_set.c, near.c.meaning_rank).outerjoin(near, near.c.trial_id == text_set.c.trial_id)
        from_meaning = from_meaning.where(near.c.trial_id.not_in(select(text_set.c.trial_id)))
    both = union_all(from_text, from_meaning).subquery("text_or_meaning")
    return select(*both.c)


class _Fused:
    """The passing set's columns, with the fused score (an expression over the passing set and the meaning's
    ranks) as if it were one of them: what the page's ordering reads."""

    def __init__(self, columns: Any, fused: Any) -> None:
        self._columns = columns
        self.fused = fused

    def __getattr__(self, name: str) -> Any:
        return getattr(self._columns, name)


def _row(kind: str, value: Any, n: Any, ordinal: Any = None) -> list[Any]:
    """One branch's columns, typed alike so the branches can be one UNION ALL."""
    return [
        literal(kind, String).label("kind"),
        cast(null() if value is None else value, String).label("value"),
        cast(n, BigInteger).label("n"),
        cast(null() if ordinal is None else ordinal, BigInteger).label("ordinal"),
    ]


def search_statement(
    dialect: str, query: SearchQuery, text: TextMatch | None, meaning_ids: list[int] | None = None
) -> tuple[Select[Any], dict[str, Any]]:
    """The search's statement and its bind values. Its rows are (kind, value, n, ordinal): kind "hit" (n a trial
    id, in page order; value "meaning" for one found by meaning alone), "total", or a facet name. `meaning_ids`:
    the trials nearest in meaning to the text, nearest first, fused with the text's ranking."""
    values = search_values(query, text, meaning_ids)
    return _statement(dialect, frozenset(values)), values


@lru_cache(maxsize=256)
def _statement(dialect: str, names: frozenset[str]) -> Select[Any]:
    """The statement of every search with these bind names: built once, then reused with each search's values."""
    rows = matching_rows(dialect, names)
    scored = has_text(names)
    place = has_place(names)
    meaning = scored and has_meaning(names)
    wanted = fact_conditions(dialect, names, rows.c, faceted_only=True)
    # The rows that pass every filter: the page, the total, and every facet whose own filter is not in use.
    passing_columns: list[Any] = list(rows.c)
    later = [rows.c.last_update_posted_on.desc().nulls_last(), rows.c.nct_id]
    if meaning:
        # The text ranking among the trials that pass every filter.
        passing_columns.append(
            func.row_number().over(order_by=[rows.c.score.desc().nulls_last(), *later]).label("text_rank")
        )
    passing = select(*passing_columns).where(*wanted.values()).cte("passing").prefix_with("MATERIALIZED")
    fused: Any = None
    meaning_passing: Any = None
    if meaning:
        # The meaning ranking among the same trials: only the hundred at most that are near are ranked (their
        # ranks from the model are all different, so no tie needs breaking), not every text match sorted again.
        meaning_passing = (
            select(
                passing.c.trial_id,
                func.row_number().over(order_by=passing.c.meaning_rank).label("meaning_position"),
            )
            .where(passing.c.meaning_rank.is_not(None))
            .cte("meaning_passing")
            .prefix_with("MATERIALIZED")
        )
        # Fused: a trial high in either ranking comes first.
        fused = func.coalesce(
            case((passing.c.score.is_not(None), 1.0 / (RRF_K + passing.c.text_rank))), 0.0
        ) + func.coalesce(1.0 / (RRF_K + meaning_passing.c.meaning_position), 0.0)

    def counted(leave_out: str) -> tuple[Any, list[ColumnElement[bool]]]:
        """Where a facet counts from: every filter kept but its own."""
        if leave_out not in wanted:
            return passing, []
        return rows, [cond for name, cond in wanted.items() if name != leave_out]

    # The page in order: distance, score, latest update, NCT ID. The row numbers are taken over the page alone.
    def ordering(columns: Any) -> list[Any]:
        order: list[Any] = []
        if place:
            order.append(columns.distance_km)
        if meaning:
            order.append(columns.fused.desc())
        elif scored:
            order.append(columns.score.desc())
        return [*order, columns.last_update_posted_on.desc().nulls_last(), columns.nct_id]

    p = passing.c
    keys = [p.trial_id, *([p.distance_km] if place else []), *([p.score] if scored else [])]
    keys += [fused.label("fused")] if meaning else []
    ranked_rows = select(*keys, p.last_update_posted_on, p.nct_id)
    if meaning:
        ranked_rows = ranked_rows.outerjoin(meaning_passing, meaning_passing.c.trial_id == p.trial_id)
    ranked = (
        ranked_rows.order_by(*ordering(_Fused(p, fused) if meaning else p))
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
        .subquery("ranked")
    )
    # A hit the text does not match (no score) was found by meaning alone: its value says so.
    by_meaning = case((ranked.c.score.is_(None), literal(MEANING, String))) if meaning else None
    page = select(
        ranked.c.trial_id,
        func.row_number().over(order_by=ordering(ranked.c)).label("ordinal"),
        *([by_meaning.label("found_by")] if by_meaning is not None else []),
    ).subquery("page")
    found_by = page.c.found_by if meaning else None
    branches: list[Any] = [select(*_row("hit", found_by, page.c.trial_id, page.c.ordinal))]

    source, where = counted("status")
    branches.append(
        select(*_row("status", source.c.overall_status, func.count())).where(*where).group_by(source.c.overall_status)
    )
    # Phases, sexes and study types (known codes) are counted as sums of conditions: every value in one pass over
    # the set each reads, and one pass for all that read the passing set, the total among them; not as joins that
    # repeat each row once per value, or a pass per facet.
    sums: dict[str, tuple[Any, list[ColumnElement[bool]], list[tuple[str, str | None, Any]]]] = {
        "passing": (passing, [], [("total", None, func.count())])
    }

    def count_each(kind: str, conditions: Any) -> None:
        source, where = counted(kind)
        key = "passing" if source is passing else kind
        group = sums.setdefault(key, (source, where, []))
        group[2].extend((kind, code, func.sum(case((cond, 1), else_=0))) for code, cond in conditions(source.c).items())

    count_each("phase", lambda c: {code: c.phase_mask.op("&")(phase_bit(code)) != 0 for code in PHASES})
    count_each("sex", lambda c: {code: sex_condition(c, code) for code in SEXES})
    count_each("type", lambda c: {code: c.study_type == code for code in STUDY_TYPE_LABELS})
    for key, (source, where, counted_values) in sums.items():
        totals = (
            select(*(n.label(f"n{i}") for i, (_, _, n) in enumerate(counted_values)))
            .select_from(source)
            .where(*where)
            .cte(f"{key}_sums")
            .prefix_with("MATERIALIZED")
        )
        branches.extend(
            select(*_row(kind, None if code is None else literal(code, String), totals.c[f"n{i}"]))
            for i, (kind, code, _) in enumerate(counted_values)
        )
    source, where = counted("country")
    countries = json_values(dialect, source.c.countries)
    country_count = func.count().label("n")
    top_countries = (
        select(countries.c.value.label("value"), country_count)
        .select_from(source)
        .join(countries, true())
        .where(*where)
        .group_by(countries.c.value)
        .order_by(country_count.desc(), countries.c.value)
        .limit(TOP_COUNTRIES)
        .subquery("top_countries")
    )
    branches.append(select(*_row("country", top_countries.c.value, top_countries.c.n)))
    return union_all(*branches).subquery("search").select()


@dataclass
class SearchCounts:
    total: int = 0
    hit_ids: list[int] = field(default_factory=list)
    by_meaning: set[int] = field(default_factory=set)  # hits the text does not match, found by meaning alone
    by_facet: dict[str, dict[str, int]] = field(default_factory=dict)


def read_counts(rows: Any) -> SearchCounts:
    counts = SearchCounts()
    hits: list[tuple[int, int]] = []
    for kind, value, n, ordinal in rows:
        if kind == "hit":
            hits.append((int(ordinal), int(n)))
            if value == MEANING:
                counts.by_meaning.add(int(n))
        elif kind == "total":
            counts.total = int(n)
        elif value is not None:
            counts.by_facet.setdefault(kind, {})[value] = int(n or 0)  # a sum over no rows is NULL
    counts.hit_ids = [trial_id for _, trial_id in sorted(hits)]
    return counts


def _in_order(codes: list[str], counts: dict[str, int], selected: tuple[str, ...], labels: dict[str, Any]) -> Facet:
    return [
        (code, str(labels.get(code, code)), counts.get(code, 0))
        for code in codes
        if counts.get(code) or code in selected
    ]


def facet_lists(query: SearchQuery, counts: SearchCounts) -> dict[str, Facet]:
    """Each facet's values in display order, with labels and counts."""
    # The statuses this search finds, and those chosen (so they can be unticked): never all of the registry's codes.
    status = {code: n for code, n in counts.by_facet.get("status", {}).items() if n}
    for code in query.statuses:
        status.setdefault(code, 0)
    status_codes = [code for code in STATUS_LABELS if code in status] + sorted(set(status) - set(STATUS_LABELS))
    phase = counts.by_facet.get("phase", {})
    sex = counts.by_facet.get("sex", {})
    study_type = counts.by_facet.get("type", {})
    country_counts = counts.by_facet.get("country", {})
    top = sorted(country_counts.items(), key=lambda item: (-item[1], item[0]))
    countries: Facet = [(name, name, count) for name, count in top]
    if query.country and query.country not in country_counts:
        countries.append((query.country, query.country, 0))
    return {
        "status": [(c, str(STATUS_LABELS.get(c, c)), status[c]) for c in status_codes],
        "phase": [(c, phase_label([c]) or c, n) for c, _, n in _in_order(list(PHASES), phase, query.phases, {})],
        "sex": [(code, str(SEX_LABELS[code]), sex.get(code, 0)) for code in SEXES],
        "type": _in_order(list(STUDY_TYPE_LABELS), study_type, (query.study_type or "",), STUDY_TYPE_LABELS),
        "country": countries,
    }
