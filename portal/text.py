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
# An HTML character reference (&lt; &#39; &#x3C;); the registry sometimes stores text already HTML-encoded.
_REFERENCE = r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
_REFERENCE_RE = re.compile(_REFERENCE)
# The same, with the backslash the registry's Markdown export put before its "&": "\&lt;3,000/μL" (and not a
# backslash that is itself escaped, "\\\\&lt;").
_ESCAPED_REFERENCE_RE = re.compile(rf"(?<!\\)((?:\\\\)*)\\({_REFERENCE})")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "breaks": False})
    # Registry text must not add headings to our page outline; "# x" stays a paragraph.
    md.disable(["heading", "lheading"])
    md.enable("table")
    return md


def _decode_once(match: re.Match[str]) -> str:
    reference = match.group(0)
    decoded = html.unescape(reference)
    return reference if decoded == reference else decoded


def decode_entities(text: str | None) -> str:
    """Plain registry text (a name, a title) with HTML character references decoded once: "Children&#39;s" ->
    "Children's". The result is text, not markup: templates escape it as usual, so "&lt;b&gt;" shows as "<b>"."""
    if not text:
        return ""
    return _REFERENCE_RE.sub(_decode_once, text)


def _unescape_reference(match: re.Match[str]) -> str:
    backslashes, reference = match.group(1), match.group(2)
    return backslashes + reference if html.unescape(reference) != reference else match.group(0)


def _markdown_source(text: str) -> str:
    """Markdown with the backslash taken off escaped character references ("\\&lt;" -> "&lt;"), when they are real
    references: Markdown then reads each as the one character it stands for, as text. A reference can never make a
    tag, and the HTML still goes through nh3, so "\\&lt;script\\&gt;" shows as "<script>" and runs nothing."""
    return _ESCAPED_REFERENCE_RE.sub(_unescape_reference, text)


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
    return Markup(_clean(_markdown().render(_markdown_source(text))))  # noqa: S704  (nh3 has sanitised it)


def render_inline(text: str | None) -> Markup:
    """One line of Markdown (a list item, a heading) to sanitised inline HTML."""
    if not text:
        return Markup("")
    return Markup(_clean(_markdown().renderInline(_markdown_source(text))))  # noqa: S704  (nh3 has sanitised it)


_WORD_COUNT_RE = re.compile(r"\w+")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")


def _top_level_blocks(text: str) -> list[tuple[int, int, str, int]]:
    """(first line, end line, kind, words) of each top-level block of the Markdown (a paragraph, a whole list)."""
    blocks = []
    for token in _markdown().parse(_markdown_source(text)):
        if token.level == 0 and token.map is not None and not token.type.endswith("_close"):
            blocks.append([token.map[0], token.map[1], token.type, 0])
        elif token.type == "inline" and blocks:
            blocks[-1][3] += len(_WORD_COUNT_RE.findall(token.content))
    return [(start, end, kind, words) for start, end, kind, words in blocks]


def split_long_markdown(text: str | None, lead_words: int = 150) -> tuple[str, str]:
    """Markdown cut in two at a block boundary after about `lead_words` words: (the lead, the rest, or "").

    For a long description shown in part with the rest behind "Read the full description". Lists, tables and
    quotes stay whole; a long first paragraph is cut after the sentence that passes `lead_words`. A text no more
    than a third longer than the lead is not cut at all: hiding a few lines helps nobody.
    """
    if not text:
        return "", ""
    blocks = _top_level_blocks(text)
    if sum(block[3] for block in blocks) <= lead_words * 4 // 3:
        return text, ""
    lines = text.splitlines(keepends=True)
    count = 0
    for index, (start, end, kind, words) in enumerate(blocks):
        if count + words <= lead_words:
            count += words
            continue
        if count:
            # A label such as "SECONDARY OBJECTIVES:" goes with what it introduces.
            if index > 1 and "".join(lines[blocks[index - 1][0] : start]).rstrip().endswith(":"):
                start = blocks[index - 1][0]
            return "".join(lines[:start]).rstrip(), "".join(lines[start:]).strip()
        if kind == "paragraph_open":  # a long first paragraph: cut after the sentence that passes the lead
            return _split_paragraph(text, lines, start, end, lead_words)
        return "", text  # a long list or table first: all of it goes behind the summary
    return text, ""


def _split_paragraph(text: str, lines: list[str], start: int, end: int, lead_words: int) -> tuple[str, str]:
    paragraph = "".join(lines[start:end])
    count = 0
    for match in _SENTENCE_END_RE.finditer(paragraph):
        count = len(_WORD_COUNT_RE.findall(paragraph[: match.start()]))
        if count >= lead_words:
            lead = "".join(lines[:start]) + paragraph[: match.start()]
            rest = paragraph[match.end() :] + "".join(lines[end:])
            return lead.rstrip(), rest.strip()
    return "", text


def to_plain_text(text: str | None) -> str:
    """Markdown to a single line of plain text, for meta descriptions and emails."""
    if not text:
        return ""
    stripped = nh3.clean(_markdown().render(_markdown_source(text)), tags=set())
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
