"""Why a trial matched: which of its fields hold the words searched for, checked in Python for one page of hits."""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice

from flask_babel import gettext

from portal.models.trial import Trial
from portal.search.querytext import ParsedText, StemMatcher

MAX_REASONS = 4
MAX_PER_KIND = 2


def searched_words(parsed: ParsedText) -> str:
    """The words a person searched for, without operators: `"lung cancer" -children` is "lung cancer"."""
    return " ".join(" or ".join(" ".join(phrase) for phrase in group) for group in parsed.groups)


def meaning_reason() -> str:
    """The reason of a trial found by meaning alone: none of its fields holds the words searched for."""
    return gettext("Similar in meaning to your search")


def match_reasons(trial: Trial, conditions: list[str], has_stem: StemMatcher, searched: str = "") -> list[str]:
    """Plain-language reasons, the strongest first: conditions, title, keywords, topics, treatments, text.

    Fields are checked in that order, and no further once MAX_REASONS are found. The registry's medical topics
    (MeSH terms such as "Neoplasms, Connective and Soft Tissue") are not words a patient knows: a match there is
    told in the words the person searched for ("Topic: cancer").
    """
    if not has_stem:
        return []
    reasons: list[str] = []

    def listed(values: list[str], label: Callable[[str], str]) -> bool:
        """Adds up to MAX_PER_KIND of the values that match; True when there are enough reasons."""
        reasons.extend(label(v) for v in islice((v for v in values if has_stem(v)), MAX_PER_KIND))
        return len(reasons) >= MAX_REASONS

    def add(found: bool, label: Callable[[], str]) -> bool:
        if found:
            reasons.append(label())
        return len(reasons) >= MAX_REASONS

    listed(conditions, lambda v: gettext("Condition: %(value)s", value=v))
    condition_matched = bool(reasons)
    done = add(has_stem(trial.brief_title) or has_stem(trial.official_title), lambda: gettext("Title"))
    done = done or listed(list(trial.keywords or []), lambda v: gettext("Keyword: %(value)s", value=v))
    if not done and not condition_matched and searched:
        topic = any(has_stem(v) for v in trial.mesh_terms or [])
        done = add(topic, lambda: gettext("Topic: %(words)s", words=searched))
    done = done or listed(list(trial.interventions or []), lambda v: gettext("Treatment: %(value)s", value=v))
    done = done or add(has_stem(trial.sponsor), lambda: gettext("Sponsor: %(value)s", value=trial.sponsor))
    done = done or add(has_stem(trial.nct_id), lambda: gettext("Trial number"))
    if not done:
        if has_stem(trial.brief_summary):
            reasons.append(gettext("Summary"))
        elif has_stem(trial.detailed_description):
            reasons.append(gettext("Description"))
    return reasons[:MAX_REASONS] or [gettext("Related words")]
