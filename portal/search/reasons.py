"""Why a trial matched: which of its fields hold the words searched for, checked in Python for one page of hits."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext

from portal.models.trial import Trial
from portal.search.querytext import StemMatcher

MAX_REASONS = 4
MAX_PER_KIND = 2


def match_reasons(trial: Trial, conditions: list[str], has_stem: StemMatcher) -> list[str]:
    """Plain-language reasons, the strongest first: conditions, title, keywords, MeSH terms, treatments, text."""
    if not has_stem:
        return []
    reasons: list[str] = []

    def listed(values: list[str], label: Callable[[str], str]) -> None:
        reasons.extend(label(v) for v in [v for v in values if has_stem(v)][:MAX_PER_KIND])

    listed(conditions, lambda v: gettext("Condition: %(value)s", value=v))
    if has_stem(trial.brief_title) or has_stem(trial.official_title):
        reasons.append(gettext("Title"))
    listed(list(trial.keywords or []), lambda v: gettext("Keyword: %(value)s", value=v))
    if not any(has_stem(c) for c in conditions):
        listed(list(trial.mesh_terms or []), lambda v: gettext("Medical term: %(value)s", value=v))
    listed(list(trial.interventions or []), lambda v: gettext("Treatment: %(value)s", value=v))
    if has_stem(trial.sponsor):
        reasons.append(gettext("Sponsor: %(value)s", value=trial.sponsor))
    if has_stem(trial.nct_id):
        reasons.append(gettext("Trial number"))
    if has_stem(trial.brief_summary):
        reasons.append(gettext("Summary"))
    elif has_stem(trial.detailed_description):
        reasons.append(gettext("Description"))
    return reasons[:MAX_REASONS] or [gettext("Related words")]
