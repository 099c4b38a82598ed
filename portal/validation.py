"""Checks shared by every edge of the portal: whole numbers, characters no database keeps, JSON shapes."""

from __future__ import annotations

import json
from typing import Any

# PostgreSQL's integer column is 32-bit signed; no id, page or count we accept is larger.
MAX_DATABASE_INTEGER = 2**31 - 1
# Deeper JSON than any of our endpoints takes: {"notes": [{"quote": ...}]} is three levels.
MAX_JSON_DEPTH = 16
_ASCII_DIGITS = frozenset("0123456789")


def parse_whole(text: str | None, low: int = 0, high: int = MAX_DATABASE_INTEGER) -> int | None:
    """A whole number from ASCII digits within [low, high], else None.

    `str.isdigit` is true for "²" and "①", which `int` refuses, and `int` accepts Arabic-Indic digits and
    underscores ("1_0"); neither belongs in a URL. The length is capped before converting, so thousands of
    digits never reach `int` (Python refuses more than 4,300).
    """
    if text is None:
        return None
    text = text.strip()
    if not text or len(text) > len(str(high)) or not _ASCII_DIGITS.issuperset(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def unstorable_character(text: str) -> str | None:
    """The name of the first character no database column can keep: NUL, or half of a surrogate pair."""
    if "\x00" in text:
        return "NUL"
    for ch in text:
        if "\ud800" <= ch <= "\udfff":
            return "surrogate"
    return None


class JsonBodyError(ValueError):
    """A request body that is not JSON we can take."""


def parse_json_body(data: bytes) -> Any:
    """Parse a JSON body, refusing what `json.loads` lets through but the rest of the portal cannot keep.

    Refused: invalid UTF-8 or JSON, nesting deeper than MAX_JSON_DEPTH (very deep nesting makes `json.loads`
    raise RecursionError, which is no ValueError), and NUL or lone surrogates in any key or string.
    """
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise JsonBodyError("not JSON") from exc
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:  # iterative: the walk itself must not recurse
        item, depth = stack.pop()
        if isinstance(item, str):
            if unstorable_character(item):
                raise JsonBodyError("a string holds a character that cannot be stored")
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise JsonBodyError("nested too deeply")
            children = item.items() if isinstance(item, dict) else ((None, child) for child in item)
            for key, child in children:
                if key is not None and unstorable_character(key):
                    raise JsonBodyError("a key holds a character that cannot be stored")
                stack.append((child, depth + 1))
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_DATABASE_INTEGER:
            raise JsonBodyError("a number is out of range")
    return value
