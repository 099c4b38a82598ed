"""The glossary in the reader's language: data/glossary.<locale>.json gives each English term its name and
definition; matching stays on the English registry text. An entry a file lacks is shown in English, marked so."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from portal.glossary.sources import DATA_DIR, Term


@dataclass(frozen=True)
class ShownTerm:
    slug: str
    term: str
    definition: str
    lang: str | None  # "en" when this language has no text of its own for the entry, else None (the page's)


def translation_file(locale: str) -> Any:
    return DATA_DIR / f"glossary.{locale}.json"


@cache
def translated_terms(locale: str) -> dict[str, dict[str, str]]:
    """English term -> {"term", "definition"} in that language; empty for English or a language with no file."""
    path = translation_file(locale)
    if locale == "en" or not path.exists():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {
        english: {"term": entry["term"].strip(), "definition": entry["definition"].strip()}
        for english, entry in raw.get("terms", {}).items()
        if entry.get("term", "").strip() and entry.get("definition", "").strip()
    }


@cache
def translation_version(locale: str) -> str:
    """Part of the definitions URL, so a changed translation is a new URL for the browser's cache."""
    path = translation_file(locale)
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8] if locale != "en" and path.exists() else "en"


def shown_term(term: Term, locale: str) -> ShownTerm:
    own = translated_terms(locale).get(term.term)
    if own is not None:
        return ShownTerm(term.slug, own["term"], own["definition"], None)
    return ShownTerm(term.slug, term.term, term.definition, None if locale == "en" else "en")
