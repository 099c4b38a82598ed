"""Condition names in Spanish and Chinese as search synonyms: data/conditions.<locale>.json maps each of the most
frequent conditions in the records (English, lower case) to the names patients use for it in that language.

Every language's file is loaded whatever the page's language, so "cáncer de mama" finds breast cancer trials on
the English page too. A query's translated names are replaced by the English condition, which the registry's
English text is searched for (beside the query as typed):
- Spanish and other spaced scripts: whole words, accents and case folded ("Cáncer de Mama" = "cancer de mama").
  On PostgreSQL the `spanish` text-search configuration also matches inflected forms and ignores its stop words
  ("cánceres de la mama"), through `spanish_lexemes`.
- Chinese: no word splitting. A name is found when it appears in the query exactly, anywhere in it ("乳腺癌临床试验"
  holds 乳腺癌); the longest names are taken first, without overlap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from portal.search.synonyms import surface

DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_CONDITIONS = 6
# Han characters (and the CJK punctuation-free ranges around them): text in these is matched without words.
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class TranslatedNames:
    by_words: dict[str, tuple[str, ...]]  # folded words of a spaced name -> English conditions
    by_characters: dict[str, tuple[str, ...]]  # a Chinese name, spaces removed -> English conditions
    longest: int  # words in the longest spaced name
    spaced: tuple[tuple[str, str], ...]  # (name as written, English condition), for the PostgreSQL stemmer


def data_files(directory: Path = DATA_DIR) -> list[Path]:
    return sorted(directory.glob("conditions.*.json"))


@cache
def load_names(directory: Path = DATA_DIR) -> TranslatedNames:
    words: dict[str, list[str]] = {}
    characters: dict[str, list[str]] = {}
    spaced: list[tuple[str, str]] = []
    files = [json.loads(path.read_text(encoding="utf-8")).get("names", {}) for path in data_files(directory)]
    # Every English condition the files name, as typed in English: a "translation" spelled as one of them
    # ("diabetes", "covid-19") is an English search too, and must not turn "type 2 diabetes" into another query.
    english_terms = {surface(english) for names in files for english in names}
    for names in files:
        for english, lay_names in names.items():
            for name in lay_names:
                if not isinstance(name, str) or not name.strip():
                    continue
                if _CJK_RE.search(name):
                    key = _SPACE_RE.sub("", name).casefold()
                    characters.setdefault(key, []).append(english)
                elif (key := surface(name)) and key != surface(english) and key not in english_terms:
                    # A name spelled as its English condition once accents are folded ("cáncer"), or as any
                    # English condition ("diabetes"), is searched for as typed already: as a synonym it would
                    # only widen, or take over, English queries.
                    words.setdefault(key, []).append(english)
                    spaced.append((name, english))
    return TranslatedNames(
        by_words={key: tuple(dict.fromkeys(found)) for key, found in words.items()},
        by_characters={key: tuple(dict.fromkeys(found)) for key, found in characters.items()},
        longest=max((len(key.split()) for key in words), default=1),
        spaced=tuple(spaced),
    )


def _chinese_hits(text: str, names: TranslatedNames) -> list[str]:
    query = _SPACE_RE.sub("", text).casefold()
    if not _CJK_RE.search(query):
        return []
    found: list[str] = []
    taken = [False] * len(query)
    for name in sorted(names.by_characters, key=len, reverse=True):
        start = query.find(name)
        while start != -1:
            if not any(taken[start : start + len(name)]):
                taken[start : start + len(name)] = [True] * len(name)
                found.extend(names.by_characters[name])
                break
            start = query.find(name, start + 1)
    return found


def _word_hits(text: str, names: TranslatedNames) -> list[str]:
    words = surface(text).split()
    found: list[str] = []
    start = 0
    while start < len(words):
        for size in range(min(names.longest, len(words) - start), 0, -1):
            key = " ".join(words[start : start + size])
            if key in names.by_words:
                found.extend(names.by_words[key])
                start += size
                break
        else:
            start += 1
    return found


# PostgreSQL's `spanish` lexemes of a list of texts, in the same order (see search.service for the query).
LexemeReader = Callable[[list[str]], list[frozenset[str]]]


def _stemmed_hits(text: str, names: TranslatedNames, lexemes: LexemeReader) -> list[str]:
    query = lexemes([surface(text)])[0]
    kept: list[frozenset[str]] = []
    found = []
    for name_lexemes, english in _stemmed_names(names, lexemes):
        # A name inside a longer one found already ("cáncer" in "cáncer de mama") would only widen the search.
        if name_lexemes and name_lexemes <= query and not any(name_lexemes < longer for longer in kept):
            kept.append(name_lexemes)
            found.append(english)
    return found


_STEMMED: dict[int, tuple[tuple[frozenset[str], str], ...]] = {}


def _stemmed_names(names: TranslatedNames, lexemes: LexemeReader) -> tuple[tuple[frozenset[str], str], ...]:
    """The spaced names' lexemes, worked out once per process (one statement for all of them)."""
    key = id(names)
    if key not in _STEMMED:
        stems = lexemes([surface(name) for name, _english in names.spaced])
        # The longest names first: "cáncer de mama metastásico" before "cáncer de mama".
        pairs = sorted(zip(stems, (e for _n, e in names.spaced), strict=True), key=lambda p: -len(p[0]))
        _STEMMED[key] = tuple(pairs)
    return _STEMMED[key]


def translated_conditions(text: str, lexemes: LexemeReader | None = None) -> list[str]:
    """The English conditions whose Spanish or Chinese names the query holds, most specific first."""
    names = load_names()
    found = _chinese_hits(text, names) + _word_hits(text, names)
    if not found and lexemes is not None and names.spaced:  # one more statement, only when nothing matched as written
        found += _stemmed_hits(text, names, lexemes)
    return list(_unique(found))[:MAX_CONDITIONS]


def _unique(items: Iterable[str]) -> Iterable[str]:
    return dict.fromkeys(items)
