"""Checks shared by every edge of the portal: whole numbers, characters no database keeps, JSON shapes."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from email_validator import validate_email

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


NCT_ID = re.compile(r"NCT[0-9]{8}")
# secrets.token_urlsafe: what our public ids and link tokens are made of.
URL_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Control characters (NUL, tabs, CR, LF), format characters (a right-to-left override, zero-width spaces), line and
# paragraph separators, and half a surrogate pair.
CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def has_control_characters(text: str, allowed: str = "") -> bool:
    """Any control or format character but those in `allowed`.

    None belongs in a name, a place or a search; a message or a list of conditions allows its line breaks. Half a
    surrogate pair never arrives in a form (Werkzeug decodes invalid UTF-8 as U+FFFD), only in JSON, which the edge
    refuses.
    """
    return any(unicodedata.category(ch) in CONTROL_CATEGORIES and ch not in allowed for ch in text)


def is_nct_id(text: str) -> bool:
    return NCT_ID.fullmatch(text) is not None


def is_url_token(text: str) -> bool:
    return URL_TOKEN.fullmatch(text) is not None


# An execution option: the statement's values were checked already (portal.models.bulk checks its text columns).
PARAMETERS_CHECKED = "portal_parameters_checked"


class UnstorableInput(ValueError):
    """A value bound for the database holds NUL or half a surrogate pair: the request is refused, nothing stored."""


def check_storable(parameters: Any) -> None:
    """Raise UnstorableInput if any string among a statement's parameters cannot be stored.

    The backstop behind the forms' own checks: PostgreSQL refuses NUL in text and psycopg cannot encode a lone
    surrogate (both came back as a 503 "database error"), while SQLite would quietly keep them.
    """
    batches = parameters if isinstance(parameters, list) else [parameters]
    # One join of every string and two scans of it: an import's executemany binds hundreds of thousands of values.
    joined = "".join(
        [
            value
            for batch in batches
            for value in ((batch.values() if isinstance(batch, dict) else batch) or ())
            if isinstance(value, str)
        ]
    )
    if not joined.isascii() and not _encodable(joined):
        raise UnstorableInput("half of a surrogate pair")
    if "\x00" in joined:
        raise UnstorableInput("NUL")


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class JsonBodyError(ValueError):
    """A request body that is not JSON we can take."""


def check_json_value(value: Any) -> None:
    """Refuse a parsed JSON body holding what `json.loads` lets through but the rest of the portal cannot keep.

    Refused: nesting deeper than MAX_JSON_DEPTH, lone surrogates in any key or string (no UTF-8 text holds them,
    so no field could), and integers past the database's range. A NUL is left to each field's own check (notes
    drop control characters; identifiers are matched against their format).
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:  # iterative: the walk itself must not recurse
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and not _encodable(item):
                raise JsonBodyError("a string holds half of a surrogate pair")
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise JsonBodyError("nested too deeply")
            children = item.items() if isinstance(item, dict) else ((None, child) for child in item)
            for key, child in children:
                if key is not None and not key.isascii() and not _encodable(key):
                    raise JsonBodyError("a key holds half of a surrogate pair")
                stack.append((child, depth + 1))
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_DATABASE_INTEGER:
            raise JsonBodyError("a number is out of range")


def normalised_email(text: str) -> str:
    """The address as email-validator normalises it, in ASCII (an international domain in its punycode form).

    Syntax only, no DNS lookups (the site works offline). Addresses whose local part is not ASCII are refused:
    many mail servers cannot deliver to them.
    """
    result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    return result.ascii_email or result.normalized
