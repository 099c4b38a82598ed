"""Links from a search page to the next search: other pages, a filter dropped, a spelling fixed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models.trial import SearchFacts
from portal.search.params import DEFAULT_STATUSES, PHASES, SearchQuery
from portal.search.service import SearchPage
from portal.vocabulary import NOT_YET_RECRUITING, STATUS_LABELS, STUDY_TYPE_LABELS, phase_label


def query_url(base: str, query: SearchQuery, page: int = 1) -> str:
    args = query.to_args()
    if page > 1:
        args.append(("page", str(page)))
    return f"{base}?{urlencode(args)}" if args else base


def without(query: SearchQuery, param: str) -> SearchQuery:
    """The query with one filter taken away (status back to the default: recruiting)."""
    cleared: dict[str, object] = {
        "near": {"near": None, "place": None},
        "country": {"country": None},
        "age": {"age": None},
        "sex": {"sex": None},
        "healthy": {"healthy": False},
        "phase": {"phases": ()},
        "type": {"study_type": None},
        "status": {"statuses": DEFAULT_STATUSES},
        "q": {"q": None},
    }[param]
    return replace(query, page=1, **cleared)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SearchLinks:
    base: str
    query: SearchQuery
    previous: str | None = None
    next: str | None = None
    relax: str | None = None
    did_you_mean: str | None = None
    not_yet_recruiting: str | None = None
    # (label, url) of other places with the name typed in `near`, or of the place it may have meant.
    other_places: list[tuple[str, str]] = field(default_factory=list)
    place_suggestion: tuple[str, str] | None = None
    # When nothing is found: (label, count, url) of each status that finds trials, and a wider distance.
    statuses: list[tuple[str, int, str]] = field(default_factory=list)
    wider: str | None = None


def place_links(query: SearchQuery, base: str) -> dict[str, object]:
    lookup = query.place_lookup
    if lookup is None:
        return {}
    other_places = [(p.label, query_url(base, replace(query, near=p.label))) for p in lookup.others]
    suggestion = lookup.suggestion
    return {
        "other_places": other_places,
        "place_suggestion": (suggestion.label, query_url(base, replace(query, near=suggestion.label)))
        if suggestion
        else None,
    }


def search_links(query: SearchQuery, page: SearchPage | None, base: str) -> SearchLinks:
    if page is None:
        return SearchLinks(base, query, **place_links(query, base))  # type: ignore[arg-type]
    with_not_yet = None
    counts = {code: count for code, _, count in page.facets.get("status", [])}
    if query.statuses and NOT_YET_RECRUITING not in query.statuses and counts.get(NOT_YET_RECRUITING) and page.total:
        with_not_yet = query_url(base, replace(query, statuses=(*query.statuses, NOT_YET_RECRUITING)))
    statuses = []
    if page.total == 0:
        statuses = [
            (label, count, query_url(base, replace(query, statuses=(code,))))
            for code, label, count in page.facets.get("status", [])
            if count
        ]
    return SearchLinks(
        base,
        query,
        previous=query_url(base, query, page.page - 1) if 1 < page.page <= page.pages + 1 else None,
        next=query_url(base, query, page.page + 1) if page.page < page.pages else None,
        relax=query_url(base, without(query, page.relax)) if page.relax else None,
        did_you_mean=query_url(base, replace(query, q=page.did_you_mean, page=1)) if page.did_you_mean else None,
        not_yet_recruiting=with_not_yet,
        statuses=statuses,
        wider=query_url(base, replace(query, within=page.wider_within)) if page.wider_within else None,
        **place_links(query, base),  # type: ignore[arg-type]
    )


def blank_facets(session: Session) -> dict[str, list[tuple[str, str, int | None]]]:
    """Filter choices without counts, for a search that could not run: the statuses the trials have."""
    present = set(session.scalars(select(SearchFacts.overall_status).where(SearchFacts.hidden.is_(False)).distinct()))
    statuses = [(code, str(STATUS_LABELS[code]), None) for code in STATUS_LABELS if code in present]
    phases = [(code, phase_label([code]) or code, None) for code in PHASES]
    types = [(code, str(label), None) for code, label in STUDY_TYPE_LABELS.items()]
    return {"status": statuses, "phase": phases, "type": types}
