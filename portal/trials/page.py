"""Everything a trial page shows that depends only on the trial record, rendered once and cached."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import get_locale
from markupsafe import Markup

from portal.cache import FragmentCache
from portal.ctgov.criteria import parse_criteria
from portal.models import Trial
from portal.text import shorten, to_plain_text
from portal.trials.locations import OPEN_GROUPS_UP_TO, group_sites
from portal.trials.presenters import phase_label
from portal.trials.structured_data import medical_trial

_WORD_RE = re.compile(r"[a-z0-9]+")
META_DESCRIPTION_LENGTH = 160


@dataclass(frozen=True)
class TrialContent:
    body: Markup
    json_ld: dict[str, object]
    meta_description: str


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(to_plain_text(text).casefold())


def repeats_eligibility(description: str | None, criteria: str | None) -> bool:
    """True when the description is mostly a copy of the eligibility criteria, as on the model page."""
    if not description or not criteria:
        return False
    desc_words = _words(description)
    if len(desc_words) < 20:
        return False
    criteria_words = _words(criteria)
    vocabulary = set(criteria_words)
    contained = sum(1 for word in desc_words if word in vocabulary) / len(desc_words)
    trigrams = set(zip(criteria_words, criteria_words[1:], criteria_words[2:], strict=False))
    desc_trigrams = list(zip(desc_words, desc_words[1:], desc_words[2:], strict=False))
    shared = sum(1 for gram in desc_trigrams if gram in trigrams) / max(len(desc_trigrams), 1)
    mentions_criteria = "inclusion criteria" in " ".join(desc_words)
    return contained >= 0.85 and (shared >= 0.5 or mentions_criteria)


def render_trial_content(trial: Trial, canonical_url: str) -> TrialContent:
    sites = list(trial.sites)
    groups = group_sites(sites)
    phase = phase_label(trial.phases)
    body = Markup(  # noqa: S704  (a Jinja template with autoescape rendered it)
        render_template(
            "trials/_content.html",
            trial=trial,
            criteria=parse_criteria(trial.eligibility_criteria),
            description_repeats=repeats_eligibility(trial.detailed_description, trial.eligibility_criteria),
            location_groups=groups,
            site_count=len(sites),
            recruiting_count=sum(1 for s in sites if s.status == "RECRUITING"),
            groups_open=len(sites) <= OPEN_GROUPS_UP_TO,
        )
    )
    summary = to_plain_text(trial.brief_summary) or trial.brief_title
    return TrialContent(
        body=body,
        json_ld=medical_trial(trial, canonical_url, phase),
        meta_description=shorten(summary, META_DESCRIPTION_LENGTH),
    )


def cached_trial_content(trial: Trial, canonical_url: str) -> TrialContent:
    cache: FragmentCache = current_app.extensions["trial_content_cache"]
    key = (trial.id, trial.content_hash, trial.updated_at, str(get_locale()))
    return cache.get_or_render(key, lambda: render_trial_content(trial, canonical_url))
