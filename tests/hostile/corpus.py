"""Hostile values for every field, and how to send them as a browser or a script would (bytes, not str).

Kept as data so a test and a benchmark against a live server send the same corpus.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

# One value per line of thought: what breaks int(), what no database column keeps, what is too long, what an
# attacker types, and what real people type that looks odd (accents, scripts, emoji).
VALUES: list[str] = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",  # half of a surrogate pair (sent as UTF-8 bytes it is invalid UTF-8)
    "x\udfffy",
    "²",  # isdigit() is true, int() refuses it
    "①",
    "١٢٣",  # Arabic-Indic digits: int() takes them
    "1_000",  # int() takes underscores
    "9" * 5000,  # past Python's 4,300-digit limit
    "99999999999999999999",  # past a 64-bit integer
    "2147483648",  # one past PostgreSQL's integer
    "-1",
    "0",
    "+5",
    "1e9",
    "0x10",
    " 12 ",
    "NaN",
    "Infinity",
    "\u202eevil",  # right-to-left override
    "\u200b",  # zero-width space
    "\ufeffbom",
    "line\r\nbreak",
    "tab\there",
    "\x1b[31mred",
    "\x7f",
    "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>",
    "' OR 1=1 --",
    "'; DROP TABLE trials; --",
    "%00",
    "%",
    "../../etc/passwd",
    "{{7*7}}",
    "${jndi:ldap://127.0.0.1/a}",
    "A" * 100_000,
    "𝕏" * 300,
    "e\u0301" * 50,
    "Z̴̢̛a̵l̸g̶o̷",
    "\uffff",
    "\U0010ffff",
    "null",
    "[]",
    "{}",
    "true",
    "日本語のテキスト",
    "🙂🙂🙂",
    "\\",
    "NCT\x0004012996",
    "nct04012996",
    "a" * 300,
    "name@example.org\r\nBcc: victim@example.org",
]


def encode(value: str) -> str:
    """Percent-encoded UTF-8, surrogates as the (invalid) bytes a hostile client would send."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def query(fields: dict[str, str]) -> str:
    return "&".join(f"{encode(k)}={encode(v)}" for k, v in fields.items())


def form_body(fields: dict[str, str]) -> bytes:
    return query(fields).encode("ascii")


def json_body(value: Any) -> bytes:
    """JSON as a script would send it: ASCII escapes, so "\\ud800" and "\\u0000" arrive as written."""
    return json.dumps(value, ensure_ascii=True).encode("ascii")


# Whole-body cases for JSON endpoints: (name, raw body).
NESTED = b"[" * 100_000 + b"]" * 100_000
JSON_BODIES: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("not JSON", b"{nope"),
    ("truncated", b'{"nct_id": "NCT04012996", "notes": ['),
    ("invalid UTF-8", b'{"nct_id": "\xff\xfe"}'),
    ("nested 100,000 deep", NESTED),
    ("nested objects", b'{"a":' * 5000 + b"1" + b"}" * 5000),
    ("a list", b"[1, 2, 3]"),
    ("a string", b'"hello"'),
    ("a number", b"1e999"),
    ("null", b"null"),
    ("huge integer", b'{"days": ' + b"9" * 5000 + b"}"),
    ("surrogate key", b'{"\\ud800": 1}'),
    ("NUL key", b'{"\\u0000": 1}'),
    ("duplicate keys", b'{"nct_id": "NCT04012996", "nct_id": "\\u0000"}'),
]
