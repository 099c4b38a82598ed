"""A trial's page, rendered once per version of the trial and its FAQs, then served from memory."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Hashable
from datetime import date
from functools import lru_cache
from typing import Any

from flask import Flask, current_app, render_template, url_for
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Dialect, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal.cache import FragmentCache
from portal.ctgov.criteria import parse_criteria
from portal.faqs.services import general_faqs, trial_faqs
from portal.faqs.translations import shown_faqs
from portal.glossary.markup import PageGlossary
from portal.glossary.services import trial_matches
from portal.glossary.sources import glossary_version
from portal.glossary.translations import translation_version
from portal.i18n import current_locale
from portal.models import Trial
from portal.models.base import utcnow
from portal.search.links import query_url
from portal.search.params import parse_search_args
from portal.text import shorten, split_long_markdown, to_plain_text
from portal.trials import freshness
from portal.trials.freshness import NotOpenNotice, not_open_notice, stale_reasons, stale_status_warning
from portal.trials.locations import OPEN_GROUPS_UP_TO, group_sites, location_index
from portal.trials.plain_summary import shown_plain_summary
from portal.trials.presenters import who_can_join
from portal.trials.record_copy import RecordCopy
from portal.trials.responsiveness import patient_wording, trial_responsiveness
from portal.trials.self_check import self_check_for
from portal.trials.services import get_trial, page_record
from portal.trials.similar import similar_trials
from portal.trials.sites import LIST_ALL_UP_TO, SiteRow, site_rows
from portal.trials.structured_data import medical_trial
from portal.trials.study_design import study_design
from portal.trials.team import study_team
from portal.urls import external_url
from portal.vocabulary import OPEN_STATUSES, phase_label, status_css, status_label

_WORD_RE = re.compile(r"[a-z0-9]+")
META_DESCRIPTION_LENGTH = 160
# A longer description shows about this many words, with the rest behind "Read the full description".
DESCRIPTION_LEAD_WORDS = 150
# Stands in for the CSRF token in cached pages; letters only, so escaping never changes it.
CSRF_MARKER = "csrfTokenPlaceholderq7Z3"


def _words(text: str) -> list[str]:
    # The raw Markdown's words: its marks and escapes are not letters or digits, so rendering it first (9 ms for
    # the longest records) would find the same words; only HTML entities need reading.
    return _WORD_RE.findall(html.unescape(text).casefold())


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


# Plain SQL on purpose: this runs on every page view, and building the equivalent ORM statement
# costs more than the query itself. Same text on SQLite and PostgreSQL.
_PAGE_VERSION_SQL = text(
    """
    SELECT t.id, t.content_hash, t.updated_at,
           (SELECT count(*) FROM faqs f WHERE f.trial_id IS NULL OR f.trial_id = t.id),
           (SELECT max(f.updated_at) FROM faqs f WHERE f.trial_id IS NULL OR f.trial_id = t.id),
           (SELECT p.updated_at FROM plain_summaries p WHERE p.trial_id = t.id AND NOT p.needs_review),
           (SELECT max(e.embedded_at) FROM trial_embeddings e),
           (SELECT max(o.updated_at) FROM trials o),
           t.overall_status, t.status_verified_date, t.primary_completion_date
    FROM trials t
    WHERE t.nct_id = :nct_id AND NOT t.hidden
    """
)


@lru_cache(maxsize=4)
def _page_version_driver_sql(dialect: Dialect) -> str:
    """The statement in the driver's own parameter style, compiled once per dialect."""
    return str(_PAGE_VERSION_SQL.compile(dialect=dialect))


def page_version(session: Session, nct_id: str, today: date) -> tuple[Hashable, ...] | None:
    """What the page depends on: the trial's version, its FAQs' version, its shown plain summary's version, the
    newest meaning vector and the newest change to any trial (the similar trials: which are open, hidden or near),
    and why its status may be out of date on `today` (see cached_trial_page). None when there is no such trial. Both
    maxima are index lookups."""
    engine = session.get_bind()
    sql = _page_version_driver_sql(engine.dialect)
    params: dict[str, str] | tuple[str] = (
        {"nct_id": nct_id} if engine.dialect.paramstyle in {"named", "pyformat"} else (nct_id,)
    )
    # Straight to the driver on a pooled connection: on a cached page this query is most of the work.
    with engine.connect() as conn:
        row = conn.exec_driver_sql(sql, params).first()
    if row is None:
        return None
    *version, status, verified, primary_completion = row
    return (*(str(value) for value in version), stale_reasons(status, verified, primary_completion, today))


# A feature that adds a section to every trial page (the contact form) registers a function that gives the
# section's state for a trial, its sites and a CSRF token, or None; this package knows nothing of it (it sits below).
SECTION_PROVIDER = "trial_page_contact_section"
ContactSection = Callable[[Trial, list[SiteRow], str], Any]


def register_contact_section(app: Flask, provider: ContactSection) -> None:
    app.extensions[SECTION_PROVIDER] = provider


def default_contact_section(trial: Trial, sites: list[SiteRow], csrf_token: str) -> Any:
    provider: ContactSection | None = current_app.extensions.get(SECTION_PROVIDER)
    return provider(trial, sites, csrf_token) if provider else None


def acronym_to_show(trial: Trial) -> str | None:
    """The trial's acronym, unless its title already says it ("... (SMART)")."""
    acronym = trial.acronym
    if not acronym:
        return None
    return None if re.search(rf"(?<!\w){re.escape(acronym)}(?!\w)", trial.brief_title) else acronym


def open_trials_search_url(condition: str | None) -> str:
    """The search page for open trials of a condition: the search's own default status filter, no place (the page
    knows none; the search lets the patient add one). A condition the search would refuse is left out."""
    base = url_for("trials.index")
    query, errors = parse_search_args(MultiDict({"q": condition or ""}))
    return base if errors else query_url(base, query)


def closed_trial_notice(trial: Trial) -> NotOpenNotice | None:
    """The notice at the top of a trial that is not open, with a search for open trials of its first condition."""
    if trial.overall_status in OPEN_STATUSES:
        return None
    condition = trial.condition_names[0] if trial.conditions else None
    return not_open_notice(trial.overall_status, condition, open_trials_search_url(condition))


def render_trial_page(
    session: Session, trial: Trial, contact: Any, today: date | None = None, sites: list[SiteRow] | None = None
) -> str:
    """The page; `contact` is the contact section's state from the contact feature, or None for no form. `today`
    (by default freshness.today()) decides whether the status may be out of date. `sites`: the trial's site rows,
    when the caller has read them already."""
    nct_id = trial.nct_id
    canonical_url = external_url("trials.detail", nct_id=nct_id)
    if sites is None:
        sites = site_rows(session, trial.id)
    record = page_record(session, trial)
    statuses = {site.status for site in sites if site.status}
    summary = to_plain_text(trial.brief_summary) or trial.brief_title
    trial_open = trial.overall_status in OPEN_STATUSES
    # A big trial's page shows its places and their counts; each place's page lists its sites.
    location_groups = group_sites(
        sites, trial_open=trial_open, last_updated=trial.last_update_posted_on, lists=len(sites) <= LIST_ALL_UP_TO
    )
    return render_template(
        "trials/detail.html",
        trial=trial,
        trial_open=trial_open,
        status_warning=stale_status_warning(
            trial.overall_status,
            trial.status_verified_date,
            trial.primary_completion_date,
            trial.primary_completion_date_type,
            today or freshness.today(),
        ),
        closed_notice=closed_trial_notice(trial),
        acronym=acronym_to_show(trial),
        contact=contact,
        canonical_url=canonical_url,
        meta_description=shorten(summary, META_DESCRIPTION_LENGTH),
        json_ld=medical_trial(trial, sites, canonical_url, phase_label(trial.phases)),
        criteria=parse_criteria(trial.eligibility_criteria),
        self_check=self_check_for(trial),
        design=study_design(record),
        who_can_join=who_can_join(trial),
        record_copy=RecordCopy.of(record),
        team=study_team(trial, has_contact_form=contact is not None),
        plain_summary=shown_plain_summary(session, trial.id),
        description_repeats=repeats_eligibility(trial.detailed_description, trial.eligibility_criteria),
        description_parts=split_long_markdown(trial.detailed_description, DESCRIPTION_LEAD_WORDS),
        location_groups=location_groups,
        site_count=len(sites),
        # A big trial lists its countries and regions here; each has a page of its own sites.
        location_index=(
            location_index(location_groups, url_for("trials.locations", nct_id=nct_id), trial_open=trial_open)
            if len(sites) > LIST_ALL_UP_TO
            else None
        ),
        recruiting_count=sum(country.recruiting for country in location_groups),
        groups_open=len(sites) <= OPEN_GROUPS_UP_TO,
        # Looked up once here rather than once per site: a trial can have 1,000+ sites.
        site_badges={code: (status_css(code), status_label(code)) for code in statuses},
        site_replies=site_replies(session, trial),
        faqs=shown_faqs(trial_faqs(session, trial.id) + general_faqs(session), current_locale()),
        similar_trials=similar_trials(session, trial),
        glossary=page_glossary(session, trial),
    )


def site_replies(session: Session, trial: Trial) -> dict[int, str]:
    """ "Usually replies within 2 working days", by site id, for the sites with enough recent requests to say so."""
    figures = trial_responsiveness(session, trial.id, utcnow())
    return {site_id: text for site_id, figure in figures.items() if (text := patient_wording(figure))}


def page_glossary(session: Session, trial: Trial) -> PageGlossary | None:
    """The page's explained words, from the matches stored at import; None when GLOSSARY_ENABLED is off."""
    if not current_app.config["GLOSSARY_ENABLED"]:
        return None
    return PageGlossary(trial_matches(session, trial), url_for("glossary.index"))


def cached_trial_page(session: Session, nct_id: str) -> bytes | None:
    """The page from the per-process cache, re-rendered whenever the trial or the FAQs change.

    The only per-visitor part is the contact form's CSRF token: the cached page is kept in two pieces
    around it, and each response joins them with this visitor's token.

    The "status may be out of date" flag depends on the day: the key holds its reasons as of today (from the same
    cheap version query), so a page is never kept with a stale answer. The sites' response times ("Usually replies
    within 2 working days") change with every request, so they are not in the key: the key holds today's date, and
    the figures are at most a day old (each page is rendered once a day per process and language).
    """
    today = freshness.today()
    version = page_version(session, nct_id, today)
    if version is None:
        return None
    locale = current_locale()
    glossary_key = (glossary_version(), translation_version(locale)) if current_app.config["GLOSSARY_ENABLED"] else None
    # One copy per language (the page, its dates and its glossary's definitions URL are in the reader's), and per
    # day (the sites' response figures).
    key = (nct_id, version, locale, glossary_key, today.isoformat())
    cache: FragmentCache = current_app.extensions["trial_page_cache"]

    def render() -> tuple[bytes, ...]:
        trial = get_trial(session, nct_id)
        if trial is None:
            raise LookupError(nct_id)
        sites = site_rows(session, trial.id)
        html = render_trial_page(session, trial, default_contact_section(trial, sites, CSRF_MARKER), today, sites)
        return tuple(part.encode("utf-8") for part in html.split(CSRF_MARKER))

    parts = cache.get_or_render(key, render)
    if len(parts) == 1:
        return parts[0]
    return generate_csrf().encode("ascii").join(parts)
