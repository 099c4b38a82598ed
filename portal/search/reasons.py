"""Why a trial matched: which of its fields hold the words searched for, checked in Python for one page of hits."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext

from portal.models.trial import Trial
from portal.search.querytext import contains_any

MAX_REASONS = 4
MAX_PER_KIND = 2


def match_reasons(trial: Trial, conditions: list[str], stems: set[str]) -> list[str]:
    """Plain-language reasons, the strongest first: conditions, title, keywords, MeSH terms, treatments, text."""
    if not stems:
        return []
    reasons: list[str] = []

    def listed(values: list[str], label: Callable[[str], str]) -> None:
        reasons.extend(label(v) for v in [v for v in values if contains_any(v, stems)][:MAX_PER_KIND])

    listed(conditions, lambda v: gettext("Condition: %(value)s", value=v))
    if contains_any(trial.brief_title, stems) or contains_any(trial.official_title, stems):
        reasons.append(gettext("Title"))
    listed(list(trial.keywords or []), lambda v: gettext("Keyword: %(value)s", value=v))
    if not any(contains_any(c, stems) for c in conditions):
        listed(list(trial.mesh_terms or []), lambda v: gettext("Medical term: %(value)s", value=v))
    listed(list(trial.interventions or []), lambda v: gettext("Treatment: %(value)s", value=v))
    if contains_any(trial.sponsor, stems):
        reasons.append(gettext("Sponsor: %(value)s", value=trial.sponsor))
    if contains_any(trial.nct_id, stems):
        reasons.append(gettext("Trial number"))
    if contains_any(trial.brief_summary, stems):
        reasons.append(gettext("Summary"))
    elif contains_any(trial.detailed_description, stems):
        reasons.append(gettext("Description"))
    return reasons[:MAX_REASONS] or [gettext("Related words")]
