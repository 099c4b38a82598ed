"""Case and accent folding, as places, trial terms, synonyms and searches compare text."""

from __future__ import annotations

import unicodedata

import pytest

from portal.ctgov.terms import normalise_term
from portal.geo import fold
from portal.search.querytext import plain_words
from portal.search.synonyms import surface
from portal.text import fold_accents


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Breast CANCER", "breast cancer"),
        ("Hagåtña", "hagatna"),
        ("SJÖGREN", "sjogren"),
        ("Straße", "strasse"),  # case folding, not lower(): "ß" is "ss"
        ("ﬁbrosis", "fibrosis"),  # compatibility forms are decomposed
        ("İstanbul", "istanbul"),  # the dot that casefold leaves is a combining mark
        ("Ñandú\u0301", "nandu"),
        ("e\u0301\U0001d165x", "ex"),  # a combining mark outside the Basic Multilingual Plane goes too
        (" São Paulo ", " sao paulo "),  # spaces are the caller's business
        ("", ""),
    ],
)
def test_fold_accents(text: str, folded: str) -> None:
    assert fold_accents(text) == folded


def test_fold_accents_agrees_with_dropping_marks_one_by_one() -> None:
    def one_by_one(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch))

    sample = "".join(chr(code) for code in range(0x20, 0x3000) if not 0xD800 <= code <= 0xDFFF)
    assert fold_accents(sample) == one_by_one(sample)


def test_each_caller_folds_then_does_its_own_part() -> None:
    assert fold("  Hagåtña ") == "hagatna"  # place names are also stripped
    assert normalise_term("Sjögren's Syndromes") == "sjogren s syndrome"
    assert surface("Crohn’s Diséase") == "crohn disease"
    assert plain_words("Café of the Ñandú") == ["cafe", "nandu"]
