"""The default FAQs in the reader's language, from data/defaults.<locale>.json (the same order as DEFAULT_FAQS).

Only a general FAQ still worded exactly as its default is translated; one an operator wrote or edited, and every
trial's own FAQ, is shown as written, in English, and marked so."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from portal.faqs.defaults import DEFAULT_FAQS
from portal.models import Faq

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class ShownFaq:
    question: str
    answer: str
    lang: str | None  # "en" when shown in English on a page in another language


@cache
def default_translations(locale: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(English question, answer) -> (question, answer) in that language, for the defaults its file gives."""
    path = DATA_DIR / f"defaults.{locale}.json"
    if locale == "en" or not path.exists():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))
    found = {}
    for english, entry in zip(DEFAULT_FAQS, entries, strict=False):
        question, answer = (entry.get("question") or "").strip(), (entry.get("answer") or "").strip()
        if question and answer:
            found[english] = (question, answer)
    return found


def shown_faqs(faqs: list[Faq], locale: str) -> list[ShownFaq]:
    translations = default_translations(locale)
    shown = []
    for faq in faqs:
        own = translations.get((faq.question, faq.answer)) if faq.trial_id is None else None
        if own is not None:
            shown.append(ShownFaq(own[0], own[1], None))
        else:
            shown.append(ShownFaq(faq.question, faq.answer, None if locale == "en" else "en"))
    return shown
