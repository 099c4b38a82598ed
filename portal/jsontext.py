"""JSON text in and out, fast: orjson where its answer is the standard library's, the standard library otherwise.

An import spends most of its Python time parsing records and writing JSON (the content hash's canonical text, and
the JSON columns). orjson does both several times as fast. Where it refuses what the standard library accepts (a
lone surrogate escape, NaN, an integer over 64 bits, nesting deeper than 1,024), the standard library is asked
instead, so a record reads exactly as it did; its errors are the ones reported.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


class EncodedJSON(str):
    """A JSON column's value already written as JSON text (the importer's canonical copy of a record): stored as
    it is, not encoded again, by `dumps` (the engines' serializer) and by the bulk writer."""

    __slots__ = ()


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(bytes(data) if isinstance(data, memoryview) else data)


def canonical(value: Any) -> str:
    """Keys sorted, no spaces, non-ASCII kept: the same text as json.dumps(value, sort_keys=True,
    separators=(",", ":"), ensure_ascii=False), which the content hashes of stored trials were worked out from
    (checked over every repository record in tests/ctgov/test_jsontext.py)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # e.g. a string with a lone surrogate, which orjson will not encode
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def dumps(value: Any) -> str:
    """A JSON column's text (the engines' `json_serializer`): compact, non-ASCII kept, keys as given; integer keys
    become strings, as with json.dumps."""
    if isinstance(value, EncodedJSON):
        return str(value)
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False)
