"""The glossary matcher tries only the forms a word can start with: it must find exactly what the whole
alternation finds, first use for first use."""

from __future__ import annotations

import json

import pytest

from portal.glossary.matching import _strings, term_matcher
from portal.glossary.sources import glossary
from tests.conftest import DEMO_TRIALS

EDGE_CASES = [
    "pre-eclampsia, preeclampsia and Pre‐eclampsia",  # joiners, none, and a Unicode hyphen
    "Hodgkin's lymphoma; non-Hodgkin lymphoma; tumours and tumors",
    "ECOG 0-1, ecog, Ecog; HER2-positive; 5-FU",
    "ſtudy, Kelvin sign K, İstanbul: letters whose case folds outside ASCII",
    "double-blind, double blind, blind; placebo-controlled",
    "",
]


def _texts() -> list[str]:
    texts = list(EDGE_CASES)
    for path in sorted(DEMO_TRIALS.glob("*.json")):
        for value in _strings(json.loads(path.read_text())):
            texts.append(value.replace("_", " ") if value.isupper() else value)
    return texts


@pytest.mark.parametrize("slugs", [None, "some"])
def test_the_fast_matcher_finds_what_the_whole_regex_finds(slugs: str | None) -> None:
    every = sorted(term.slug for term in glossary().terms)
    matcher = term_matcher(None if slugs is None else frozenset(every[::7]))
    assert matcher.by_prefix is not None  # the fast path is the one in use
    for text in _texts():
        expected = [(m.span(), matcher.slug_of(m.group(0))) for m in matcher.regex.finditer(text)]
        found = [(m.span(), slug) for m, slug in matcher.find(text)]
        assert found == [(span, slug) for span, slug in expected if slug is not None], text[:80]
