"""One statement per search: the total, one page of ids and every facet count.

The text match and the distance are the costly parts of a search, so they are evaluated once: the trials they
select (with the age and healthy-volunteer filters, which no facet leaves out) become one materialised set of
narrow search-facts rows, with each trial's score and distance. The total, the page and each facet are then
counted from that set: a facet with every filter kept but its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Select,
    String,
    case,
    cast,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)

from portal.models.trial import SearchFacts
from portal.search.filters import FACETED, TextMatch, fact_conditions, json_values, near_sites, sex_condition
from portal.search.params import PHASES, SEXES, SearchQuery
from portal.trials.presenters import SEX_LABELS, STATUS_LABELS, STUDY_TYPE_LABELS, phase_label

TOP_COUNTRIES = 10
# Always offered, so "not yet recruiting" is one click away even when no trial has it yet.
ALWAYS_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING")

Facet = list[tuple[str, str, int]]


def matching_rows(dialect: str, query: SearchQuery, text: TextMatch | None) -> CTE:
    """The visible trials the text, the place, the age and healthy volunteers select, as a CTE of facts rows."""
    facts = SearchFacts
    statement = select(
        facts.trial_id,
        facts.nct_id,
        facts.overall_status,
        facts.study_type,
        facts.phases,
        facts.sex,
        facts.countries,
        facts.last_update_posted_on,
    ).where(facts.hidden.is_(False))
    conditions = fact_conditions(dialect, query, SearchFacts.__table__.c)
    statement = statement.where(*(c for name, c in conditions.items() if name not in FACETED))
    narrowed = False
    if text is not None and not text.is_empty:
        statement = text.narrow(statement)
        narrowed = True
    if query.place is not None:
        circle = near_sites(query).subquery("circle")
        statement = statement.join(circle, circle.c.trial_id == facts.trial_id).add_columns(circle.c.distance_km)
        narrowed = True
    # Narrowed, the set is small and read by every branch: worth keeping. Otherwise it is every trial, and each
    # branch reads the table with its own filters.
    return statement.cte("matching").prefix_with("MATERIALIZED" if narrowed else "NOT MATERIALIZED")


def _row(kind: str, value: Any, n: Any, ordinal: Any = None) -> list[Any]:
    """One branch's columns, typed alike so the branches can be one UNION ALL."""
    return [
        literal(kind, String).label("kind"),
        cast(null() if value is None else value, String).label("value"),
        cast(n, BigInteger).label("n"),
        cast(null() if ordinal is None else ordinal, BigInteger).label("ordinal"),
    ]


def search_statement(dialect: str, query: SearchQuery, text: TextMatch | None) -> Select[Any]:
    """Rows of (kind, value, n, ordinal): kind "hit" (n a trial id, in page order), "total", or a facet name."""
    rows = matching_rows(dialect, query, text)
    c = rows.c
    wanted = fact_conditions(dialect, query, c, faceted_only=True)

    def kept(leave_out: str | None = None) -> list[ColumnElement[bool]]:
        return [cond for name, cond in wanted.items() if name != leave_out]

    # The page in order: distance, score, latest update, NCT ID. The row numbers are taken over the page alone.
    keys: list[Any] = [c.trial_id]
    if query.place is not None:
        keys.append(c.distance_km)
    if text is not None and not text.is_empty:
        keys.append(c.score)
    keys += [c.last_update_posted_on, c.nct_id]

    def ordering(columns: Any) -> list[Any]:
        order: list[Any] = []
        if query.place is not None:
            order.append(columns.distance_km)
        if text is not None and not text.is_empty:
            order.append(columns.score.desc())
        return [*order, columns.last_update_posted_on.desc().nulls_last(), columns.nct_id]

    ranked = (
        select(*keys)
        .where(*kept())
        .order_by(*ordering(c))
        .offset((query.page - 1) * query.per_page)
        .limit(query.per_page)
        .subquery("ranked")
    )
    page = select(ranked.c.trial_id, func.row_number().over(order_by=ordering(ranked.c)).label("ordinal")).subquery(
        "page"
    )
    phases = json_values(dialect, c.phases)
    countries = json_values(dialect, c.countries)
    country_count = func.count().label("n")
    top_countries = (
        select(countries.c.value.label("value"), country_count)
        .select_from(rows)
        .join(countries, true())
        .where(*kept("country"))
        .group_by(countries.c.value)
        .order_by(country_count.desc(), countries.c.value)
        .limit(TOP_COUNTRIES)
        .subquery("top_countries")
    )
    branches = [
        select(*_row("hit", None, page.c.trial_id, page.c.ordinal)),
        select(*_row("total", None, func.count())).select_from(rows).where(*kept()),
        select(*_row("status", c.overall_status, func.count())).where(*kept("status")).group_by(c.overall_status),
        select(*_row("phase", phases.c.value, func.count()))
        .select_from(rows)
        .join(phases, true())
        .where(*kept("phase"))
        .group_by(phases.c.value),
        *(
            select(*_row("sex", literal(sex, String), func.sum(case((sex_condition(c, sex), 1), else_=0))))
            .select_from(rows)
            .where(*kept("sex"))
            for sex in SEXES
        ),
        select(*_row("type", c.study_type, func.count())).where(*kept("type")).group_by(c.study_type),
        select(*_row("country", top_countries.c.value, top_countries.c.n)),
    ]
    return union_all(*branches).subquery("search").select()


@dataclass
class SearchCounts:
    total: int = 0
    hit_ids: list[int] = field(default_factory=list)
    by_facet: dict[str, dict[str, int]] = field(default_factory=dict)


def read_counts(rows: Any) -> SearchCounts:
    counts = SearchCounts()
    hits: list[tuple[int, int]] = []
    for kind, value, n, ordinal in rows:
        if kind == "hit":
            hits.append((int(ordinal), int(n)))
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
    status = dict(counts.by_facet.get("status", {}))
    for code in ALWAYS_STATUSES:
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

