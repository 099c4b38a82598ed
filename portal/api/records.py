"""Our normalised trial record as JSON: what the importer stored, with the criteria split into lists."""

from __future__ import annotations

from typing import Any

from portal.ctgov.ages import minutes_to_years
from portal.ctgov.criteria import CriterionItem, parse_criteria
from portal.models import Site, Trial
from portal.urls import external_url


def _criteria(items: tuple[CriterionItem, ...]) -> list[dict[str, Any]]:
    return [{"text": item.text, "children": _criteria(item.children)} for item in items]


def _years(minutes: int | None) -> float | None:
    return None if minutes is None else round(minutes_to_years(minutes), 2)


def site_record(site: Site) -> dict[str, Any]:
    return {
        "facility": site.facility,
        "city": site.city,
        "state": site.state,
        "zip": site.zip,
        "country": site.country,
        "status": site.status,
        "latitude": site.latitude,
        "longitude": site.longitude,
    }


def trial_record(trial: Trial) -> dict[str, Any]:
    """Public study data only (as on ClinicalTrials.gov); no contact requests, overrides or our own bookkeeping."""
    criteria = parse_criteria(trial.eligibility_criteria)
    return {
        "nct_id": trial.nct_id,
        "url": external_url("trials.detail", nct_id=trial.nct_id),
        "brief_title": trial.brief_title,
        "official_title": trial.official_title,
        "acronym": trial.acronym,
        "overall_status": trial.overall_status,
        "study_type": trial.study_type,
        "phases": list(trial.phases or []),
        "conditions": trial.condition_names,
        "keywords": list(trial.keywords or []),
        "sponsor": trial.sponsor,
        "collaborators": list(trial.collaborators or []),
        "eligibility": {
            # Without the module (a partial copy), every value below is unknown: null then never means "no limit".
            "given": trial.eligibility_given,
            "sex": trial.sex,
            "minimum_age": trial.minimum_age_text,
            "maximum_age": trial.maximum_age_text,
            "minimum_age_years": _years(trial.minimum_age_minutes),
            "maximum_age_years": _years(trial.maximum_age_minutes),
            "healthy_volunteers": trial.healthy_volunteers,
            "criteria_text": trial.eligibility_criteria,
            "inclusion": _criteria(criteria.inclusion),
            "exclusion": _criteria(criteria.exclusion),
        },
        "brief_summary": trial.brief_summary,
        "detailed_description": trial.detailed_description,
        "start_date": trial.start_date,
        "completion_date": trial.completion_date,
        "first_posted_on": trial.first_posted_on.isoformat() if trial.first_posted_on else None,
        "last_update_posted_on": trial.last_update_posted_on.isoformat() if trial.last_update_posted_on else None,
        "enrollment": {"count": trial.enrollment_count, "type": trial.enrollment_type},
        "sites": [site_record(site) for site in trial.sites],
    }
