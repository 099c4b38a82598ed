"""Links from a search page to the next search: other pages, a filter dropped, a spelling fixed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

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


def search_links(query: SearchQuery, page: SearchPage | None, base: str) -> SearchLinks:
    if page is None:
        return SearchLinks(base, query)
    with_not_yet = None
    if NOT_YET_RECRUITING not in query.statuses:
        with_not_yet = query_url(base, replace(query, statuses=(*query.statuses, NOT_YET_RECRUITING)))
    return SearchLinks(
        base,
        query,
        previous=query_url(base, query, page.page - 1) if 1 < page.page <= page.pages + 1 else None,
        next=query_url(base, query, page.page + 1) if page.page < page.pages else None,
        relax=query_url(base, without(query, page.relax)) if page.relax else None,
        did_you_mean=query_url(base, replace(query, q=page.did_you_mean, page=1)) if page.did_you_mean else None,
        not_yet_recruiting=with_not_yet,
    )


def blank_facets() -> dict[str, list[tuple[str, str, int | None]]]:
    """Filter choices without counts, for a search that could not run."""
    statuses = [(code, str(STATUS_LABELS[code]), None) for code in STATUS_LABELS]
    phases = [(code, phase_label([code]) or code, None) for code in PHASES]
    types = [(code, str(label), None) for code, label in STUDY_TYPE_LABELS.items()]
    return {"status": statuses, "phase": phases, "type": types}
