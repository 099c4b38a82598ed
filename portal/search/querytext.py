"""The words of a search box, read the way PostgreSQL's websearch_to_tsquery reads them, for FTS5 and for reasons.

"breast cancer" needs both words, `"lung cancer"` the phrase, `asthma or copd` either word, `-children` excludes
a word. English stop words are dropped, as PostgreSQL's 'english' configuration does, so both databases find the
same trials for the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from portal.ctgov.terms import singular
from portal.text import fold_accents

# PostgreSQL's english.stop (the Snowball list), so "cancer of the breast" means the same on both databases.
_STOP_LIST = """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are was
    were be been being have has had having do does did doing a an the and but if or because as until while of at by
    for with about against between into through during before after above below to from up down in out on off over
    under again further then once here there when where why how all any both each few more most other some such no
    nor not only own same so than too very s t can will just don should now"""
STOP_WORDS = frozenset(_STOP_LIST.split())
_TOKEN_RE = re.compile(r'-?"[^"]*"?|\S+')
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


def plain_words(text: str) -> list[str]:
    """Lower-case, accent-free words without stop words."""
    return [w for w in _WORD_RE.findall(fold_accents(text)) if w not in STOP_WORDS]


@dataclass
class ParsedText:
    """AND of OR-groups of phrases (a phrase is a list of words), minus the excluded phrases."""

    groups: list[list[list[str]]] = field(default_factory=list)
    excluded: list[list[str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def words(self) -> list[str]:
        return [word for group in self.groups for phrase in group for word in phrase]


def parse_text(text: str) -> ParsedText:
    parsed = ParsedText()
    pending_or = False
    for token in _TOKEN_RE.findall(text):
        if token.casefold() == "or":
            pending_or = bool(parsed.groups)
            continue
        negative = token.startswith("-") and len(token) > 1
        phrase = plain_words(token[1:] if negative else token)
        if not phrase:
            continue
        if negative:
            parsed.excluded.append(phrase)
        elif pending_or:
            parsed.groups[-1].append(phrase)
        else:
            parsed.groups.append([phrase])
        pending_or = False
    return parsed


def _fts_phrase(phrase: list[str]) -> str:
    # Every word is quoted: FTS5 then reads no operator or column name in what a person typed.
    return '"' + " ".join(phrase) + '"'


def _fts_all(parsed: ParsedText) -> str:
    parts = []
    for group in parsed.groups:
        alternatives = [_fts_phrase(p) for p in group]
        parts.append(alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")")
    return " AND ".join(parts)


def fts5_query(parsed: ParsedText, expansions: list[ParsedText]) -> str:
    """An FTS5 MATCH expression: the text, or any of its expansions (synonyms), without the excluded words."""
    alternatives = [_fts_all(p) for p in [parsed, *expansions] if not p.is_empty]
    query = alternatives[0] if len(alternatives) == 1 else " OR ".join(f"({a})" for a in alternatives)
    for phrase in parsed.excluded:
        query = f"({query}) NOT {_fts_phrase(phrase)}"
    return query


def stem(word: str) -> str:
    """A rough stem for telling which field matched: "diabetic" and "diabetes" share "diabet"."""
    base = singular(word)
    return base if len(base) <= 4 else base[: max(5, len(base) - 3)]


class StemMatcher:
    """Tells whether a text has a word with one of the stems, as `stem(word) in stems` over `plain_words(text)`.

    Reasons are checked on every field of a page of hits, summaries and descriptions included, so the text is not
    split and stemmed word by word: a regular expression finds only the words that begin with a stem's first two
    letters (which `stem` never changes), and only those are stemmed.
    """

    def __init__(self, stems: set[str]) -> None:
        self.stems = frozenset(stems)
        heads = sorted({re.escape(s[:2]) for s in self.stems if s})
        self._candidates = re.compile(r"(?<![^\W_])(?:" + "|".join(heads) + r")[^\W_]*") if heads else None

    def __bool__(self) -> bool:
        return bool(self.stems)

    def __call__(self, text: str | None) -> bool:
        if not text or self._candidates is None:
            return False
        for match in self._candidates.finditer(fold_accents(text)):
            word = match.group()
            if word not in STOP_WORDS and stem(word) in self.stems:
                return True
        return False
