"""Reading a trial page as its tests and bench/page_truth.py do: the item lists, and the record's names."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
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


# What a page says when the record gives nothing for a fact, read as the record saying it: each with the module
# (and field) whose absence makes it a claim the record never made. An eligibility module without an age limit
# means "no limit" (the registry's N/A), so "Any age" is true there; with no eligibility module it is not.
_SEX_ALL_RE = re.compile(r"\bSex:? All\b")


def stated_defaults(text: str, protocol: dict[str, Any]) -> list[str]:
    """The defaults a page's visible text (squashed) states that the record never gave, by name."""
    eligibility = protocol.get("eligibilityModule")
    claims = []
    if eligibility is None and "Any age" in text:
        claims.append("any age")
    if not (eligibility or {}).get("sex") and _SEX_ALL_RE.search(text):
        claims.append("sex all")
    if eligibility is None and "has not listed eligibility criteria" in text:
        claims.append("no criteria")
    if protocol.get("descriptionModule") is None and "has not given a summary" in text:
        claims.append("no summary")
    if protocol.get("contactsLocationsModule") is None and "No study locations are listed yet" in text:
        claims.append("no locations")
    return claims


@dataclass(frozen=True)
class ListedSite:
    """One study site as the locations section lists it: the label above its list, its badge, its name."""

    label: str
    badge: str | None
    name: str


class SiteListings(HTMLParser):
    """The sites of a page's `<ul class="sites">` lists, each with the `sites__label` paragraph before its list."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sites: list[ListedSite] = []
        self._label: list[str] | None = None
        self._current_label = ""
        self._in_list = False
        self._site: dict[str, list[str]] | None = None
        self._part: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "p" and "sites__label" in classes:
            self._label = []
        elif tag == "ul" and "sites" in classes:
            self._in_list = True
        elif tag == "li" and self._in_list:
            self._site = {"name": [], "badge": []}
        elif self._site is not None and tag == "b":
            self._part = "name"
        elif self._site is not None and tag == "span" and "badge" in classes:
            self._part = "badge"

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._label is not None:
            self._current_label = squash("".join(self._label))
            self._label = None
        elif tag in {"b", "span"}:
            self._part = None
        elif tag == "li" and self._site is not None:
            badge = squash("".join(self._site["badge"])) or None
            self.sites.append(ListedSite(self._current_label, badge, squash("".join(self._site["name"]))))
            self._site = None
        elif tag == "ul":
            self._in_list = False

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self._label.append(data)
        elif self._site is not None and self._part is not None:
            self._site[self._part].append(data)


def site_listings(html: str) -> list[ListedSite]:
    parser = SiteListings()
    parser.feed(html)
    return parser.sites


_LOCATION_LINK_RE = re.compile(r'<a class="loc-index__link" href="([^"]+)">')


def location_links(html: str) -> list[str]:
    """The pages of places a big trial's page (or a locations page) links to, in order."""
    return [unescape(href) for href in _LOCATION_LINK_RE.findall(html)]


def listings_with_place_pages(get: Callable[[str], str], url: str, html: str | None = None) -> list[ListedSite]:
    """The sites listed on a page (its `html` when already fetched) and on every page of places reachable from it
    (each fetched once with `get`): a big trial lists its sites on a page per country or region."""
    listed: list[ListedSite] = []
    seen = {url}
    pending = [url]
    while pending:
        current = pending.pop(0)
        html = html if html is not None and current == url else get(current)
        listed += site_listings(html)
        for link in location_links(html):
            if link not in seen:
                seen.add(link)
                pending.append(link)
    return listed
