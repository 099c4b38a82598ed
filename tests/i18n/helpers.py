"""Reading a page as a reader of another language would: its text, minus what is marked as English."""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser

from portal.i18n_check import extract

SKIPPED = {"script", "style", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
READ_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")


class PageText(HTMLParser):
    """Text nodes and read attributes outside script and outside any element marked lang="en" (registry text and
    English fallbacks), and the lang of the document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.english: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, inside English or skipped)

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        english = self._hidden() or tag in SKIPPED or (values.get("lang") or "").startswith("en")
        if not english:
            self.texts.extend(v for name in READ_ATTRIBUTES if (v := values.get(name)))
        if tag not in VOID:
            self.stack.append((tag, english))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text:
            (self.english if self._hidden() else self.texts).append(text)


def page_texts(html: str) -> list[str]:
    parser = PageText()
    parser.feed(html)
    return parser.texts


@cache
def english_messages() -> frozenset[str]:
    """Every English string the code marks, as a page would show it whole (no placeholders, a real phrase)."""
    found = set()
    for message in extract():
        for text in [message.id] if isinstance(message.id, str) else list(message.id):
            if text and "%" not in text and re.search(r"[A-Za-z]{3,}", text) and " " in text.strip():
                found.add(" ".join(text.split()))
    return frozenset(found)


def leaked_english(html: str) -> list[str]:
    """Text nodes of a page that are a whole English UI string: a string the catalogue did not translate."""
    messages = english_messages()
    return sorted({text for text in page_texts(html) if text in messages})


PLACEHOLDER_RE = re.compile(r"%\(\w+\)[sd]|\{\{|\}\}|\{[a-z_]+\}")
