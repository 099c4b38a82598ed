"""Text every layer shares: ClinicalTrials.gov's CommonMark as safe HTML or plain text, and case and accent folding."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cache, lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "u", "sub", "sup", "code", "pre",
    "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
_SPACE_RE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "breaks": False})
    # Registry text must not add headings to our page outline; "# x" stays a paragraph.
    md.disable(["heading", "lheading"])
    md.enable("table")
    return md


def _clean(raw_html: str) -> str:
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


def render_markdown(text: str | None) -> Markup:
    """Block-level Markdown to sanitised HTML."""
    if not text:
        return Markup("")
    return Markup(_clean(_markdown().render(text)))  # noqa: S704  (nh3 has sanitised it)


def render_inline(text: str | None) -> Markup:
    """One line of Markdown (a list item, a heading) to sanitised inline HTML."""
    if not text:
        return Markup("")
    return Markup(_clean(_markdown().renderInline(text)))  # noqa: S704  (nh3 has sanitised it)


def to_plain_text(text: str | None) -> str:
    """Markdown to a single line of plain text, for meta descriptions and emails."""
    if not text:
        return ""
    stripped = nh3.clean(_markdown().render(text), tags=set())
    return _SPACE_RE.sub(" ", html.unescape(stripped)).strip()


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return f"{cut}…"


@cache
def _bmp_combining_marks() -> dict[int, None]:
    """Every combining code point of the Basic Multilingual Plane, as a str.translate table that deletes them."""
    return {code: None for code in range(0x10000) if unicodedata.combining(chr(code))}


def fold_accents(text: str) -> str:
    """Lower case without accents, as places, terms and searches are compared: "Hagåtña" is "hagatna".

    Case is folded first (so "Straße" is "strasse"), then compatibility forms are decomposed ("ﬁ" is "fi") and the
    combining marks dropped. Search folds every query and record, so the marks go in one C call where it can.
    """
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKD", text.casefold())
    if max(folded) > "\uffff":
        return "".join(ch for ch in folded if not unicodedata.combining(ch))
    return folded.translate(_bmp_combining_marks())
