"""Reading a trial page as its tests and bench/page_truth.py do: the item lists, and the record's names."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from portal.text import decode_entities

_SPACE_RE = re.compile(r"\s+")


def squash(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


class ItemNames(HTMLParser):
    """The names in each `<ul class="study-items KIND">` list of a page: {"interventions": [...], ...}."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lists: dict[str, list[str]] = {}
        self._list: str | None = None
        self._depth = 0
        self._name: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "ul" and "study-items" in classes:
            self._list = " ".join(c for c in classes if c != "study-items")
            self.lists.setdefault(self._list, [])
            self._depth = 0
        elif tag == "ul" and self._list:
            self._depth += 1
        elif tag == "p" and self._list and "study-item__name" in classes:
            self._name = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._name is not None and self._list:
            self.lists[self._list].append(squash("".join(self._name)))
            self._name = None
        elif tag == "ul" and self._list:
            if self._depth:
                self._depth -= 1
            else:
                self._list = None

    def handle_data(self, data: str) -> None:
        if self._name is not None:
            self._name.append(data)


def item_names(html: str) -> dict[str, list[str]]:
    parser = ItemNames()
    parser.feed(html)
    return parser.lists


def record_names(protocol: dict[str, Any], module: str, key: str, field: str) -> list[str]:
    """The names a record gives, as a reader should see them (character references decoded once)."""
    items = (protocol.get(module) or {}).get(key) or []
    return [squash(decode_entities(item[field])) for item in items if isinstance(item, dict) and item.get(field)]
