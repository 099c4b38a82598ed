"""The glossary's Spanish and Simplified Chinese translations: every English term translated, nothing extra, and
written as plainly as the English.

Spanish reading ease: textstat's Fernández-Huerta score (works offline; pyphen ships its Spanish dictionary). On
its scale 70-80 is "fairly easy", read by a 6th grader, and 60-70 is "normal", read by a 7th-8th grader. That
mirrors test_data.py's rule for the English: the glossary as a whole at grade 6 (mean score 70 or more), and no
single definition above grade 8 (score 60 or more).

Chinese has no textstat measure, so we hold each sentence to at most 80 characters: plain Chinese patient leaflets
keep sentences short, and a longer one is a sign of a run-on definition.

The files are read relative to this test, not through the installed package, so the test checks this checkout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from statistics import mean
from typing import Any

import pytest
import textstat

DATA_DIR = Path(__file__).resolve().parents[2] / "portal" / "glossary" / "data"
LANGUAGES = {"es": "es", "zh_Hans": "zh-Hans"}  # file suffix -> the "language" the file declares
MIN_MEAN_FERNANDEZ_HUERTA = 70.0
MIN_FERNANDEZ_HUERTA = 60.0
MAX_CHINESE_SENTENCE = 80
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CHINESE_SENTENCE_END = re.compile(r"(?<=[。？！])")


def _english() -> dict[str, str]:
    data = json.loads((DATA_DIR / "glossary.json").read_text(encoding="utf-8"))
    return {item["term"]: item["definition"] for item in data["terms"]}


def _translation(suffix: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / f"glossary.{suffix}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def spanish_textstat() -> Iterator[None]:
    """textstat's language is process-wide; put English back so test_data.py's grades stay English."""
    textstat.set_lang("es")
    try:
        yield
    finally:
        textstat.set_lang("en_US")


@pytest.mark.parametrize("suffix", LANGUAGES)
def test_every_english_term_is_translated_once_and_nothing_else(suffix: str) -> None:
    english = _english()
    data = _translation(suffix)
    assert data["about"]["language"] == LANGUAGES[suffix]
    assert list(data["terms"]) == list(english), "same terms, in the same order as glossary.json"
    for name, entry in data["terms"].items():
        assert set(entry) == {"term", "definition"}, name
        assert entry["term"].strip(), f"{name}: no translated term"
        assert entry["definition"].strip(), f"{name}: no translated definition"


@pytest.mark.parametrize("suffix", LANGUAGES)
def test_definitions_are_translated_not_copied(suffix: str) -> None:
    english = _english()
    terms = _translation(suffix)["terms"]
    copied = [name for name, entry in terms.items() if entry["definition"].casefold() == english[name].casefold()]
    assert copied == []
    if suffix == "zh_Hans":
        assert [name for name, entry in terms.items() if not _CJK.search(entry["definition"])] == []


@pytest.mark.usefixtures("spanish_textstat")
def test_spanish_definitions_read_as_plainly_as_the_english() -> None:
    terms = _translation("es")["terms"]
    scores = {name: textstat.fernandez_huerta(entry["definition"]) for name, entry in terms.items()}
    too_hard = {name: score for name, score in scores.items() if score < MIN_FERNANDEZ_HUERTA}
    assert too_hard == {}
    assert mean(scores.values()) >= MIN_MEAN_FERNANDEZ_HUERTA


def test_chinese_sentences_are_short() -> None:
    too_long = {}
    for name, entry in _translation("zh_Hans")["terms"].items():
        for sentence in _CHINESE_SENTENCE_END.split(entry["definition"]):
            if len(sentence.strip()) > MAX_CHINESE_SENTENCE:
                too_long[name] = sentence
    assert too_long == {}
