"""Facet counts: for each filter, how many trials each of its values would give with every other filter kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.orm import Session

from portal.models.trial import Trial
from portal.search.filters import json_values, sex_condition, visible
from portal.search.params import PHASES, SEXES, SearchQuery
from portal.trials.presenters import SEX_LABELS, STATUS_LABELS, STUDY_TYPE_LABELS, phase_label

TOP_COUNTRIES = 10
# Always offered, so "not yet recruiting" is one click away even when no trial has it yet.
ALWAYS_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING")

Facet = list[tuple[str, str, int]]


def _grouped(session: Session, key: Any, where: list[ColumnElement[bool]], join: Any = None) -> dict[str, int]:
    query = select(key, func.count()).select_from(Trial)
    if join is not None:
        query = query.join(join, true())
    rows = session.execute(query.where(*where).group_by(key)).tuples()
    return {value: count for value, count in rows if value is not None}


def _in_order(codes: list[str], counts: dict[str, int], selected: tuple[str, ...], labels: dict[str, Any]) -> Facet:
    return [
        (code, str(labels.get(code, code)), counts.get(code, 0))
        for code in codes
        if counts.get(code) or code in selected
    ]


def facet_counts(
    session: Session, dialect: str, query: SearchQuery, conditions: dict[str, ColumnElement[bool]]
) -> dict[str, Facet]:
    status = _grouped(session, Trial.overall_status, visible(conditions, "status"))
    for code in ALWAYS_STATUSES:
        status.setdefault(code, 0)
    status_codes = [code for code in STATUS_LABELS if code in status] + sorted(set(status) - set(STATUS_LABELS))

    phase_items = json_values(dialect, Trial.phases)
    phase = _grouped(session, phase_items.c.value, visible(conditions, "phase"), phase_items)

    female, male = session.execute(
        select(*(func.coalesce(func.sum(case((sex_condition(sex), 1), else_=0)), 0) for sex in SEXES)).where(
            *visible(conditions, "sex")
        )
    ).one()

    study_type = _grouped(session, Trial.study_type, visible(conditions, "type"))

    country_items = json_values(dialect, Trial.countries)
    country_count = func.count().label("n")
    top = session.execute(
        select(country_items.c.value, country_count)
        .select_from(Trial)
        .join(country_items, true())
        .where(*visible(conditions, "country"))
        .group_by(country_items.c.value)
        .order_by(country_count.desc(), country_items.c.value)
        .limit(TOP_COUNTRIES)
    ).tuples()
    countries: Facet = [(name, name, count) for name, count in top]
    if query.country and query.country not in {name for name, _, _ in countries}:
        countries.append((query.country, query.country, 0))

    return {
        "status": [(c, str(STATUS_LABELS.get(c, c)), status[c]) for c in status_codes],
        "phase": [(c, phase_label([c]) or c, n) for c, _, n in _in_order(list(PHASES), phase, query.phases, {})],
        "sex": [("FEMALE", str(SEX_LABELS["FEMALE"]), int(female)), ("MALE", str(SEX_LABELS["MALE"]), int(male))],
        "type": _in_order(list(STUDY_TYPE_LABELS), study_type, (query.study_type or "",), STUDY_TYPE_LABELS),
        "country": countries,
    }
