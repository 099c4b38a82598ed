"""Words a trial can be found by: its conditions, keywords and MeSH terms, as normalised phrases.

A phrase is a run of up to MAX_WORDS consecutive words of a term, lower-cased, without punctuation and with each
word in a rough singular form, so "Breast Cancers" is found by "breast cancer" and "Systemic Lupus
Erythematosus" by "lupus". Matching a person's condition to a trial is then an equality join on one indexed column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from portal.text import fold_accents

MAX_WORDS = 4
MAX_PHRASE_LENGTH = 200
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


def singular(word: str) -> str:
    """A rough English singular: enough for "diseases", "tumors", "therapies", never a dictionary."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    return [singular(word) for word in _WORD_RE.findall(fold_accents(text))]


def normalise_term(text: str) -> str:
    """The whole term as one phrase: what a person's condition is stored as."""
    return " ".join(words(text))[:MAX_PHRASE_LENGTH]


def phrases(text: str, max_words: int = MAX_WORDS) -> set[str]:
    """Every run of 1 to max_words consecutive words of the term, plus the whole term."""
    found = words(text)
    result = {" ".join(found)[:MAX_PHRASE_LENGTH]} if found else set()
    for size in range(1, min(max_words, len(found)) + 1):
        for start in range(len(found) - size + 1):
            result.add(" ".join(found[start : start + size]))
    return result


@lru_cache(maxsize=65536)
def _sorted_phrases(term: str) -> tuple[str, ...]:
    # Conditions and MeSH terms repeat across thousands of trials: an import works each one out once.
    return tuple(sorted(phrases(term)))


def trial_phrases(terms: Iterable[str]) -> dict[str, str]:
    """phrase -> the first term it came from (shown to a person as why a trial matched)."""
    index: dict[str, str] = {}
    for term in terms:
        for phrase in _sorted_phrases(term):
            index.setdefault(phrase, term)
    return index
