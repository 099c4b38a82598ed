"""schema.org MedicalTrial JSON-LD for a trial page."""

from __future__ import annotations

from typing import Any

from portal.models import Trial
from portal.text import shorten, to_plain_text
from portal.trials.sites import SiteFacts

# schema.org MedicalStudyStatus members; "UNKNOWN" has none and is left out.
STUDY_STATUS = {
    "RECRUITING": "Recruiting",
    "NOT_YET_RECRUITING": "NotYetRecruiting",
    "ENROLLING_BY_INVITATION": "EnrollingByInvitation",
    "ACTIVE_NOT_RECRUITING": "ActiveNotRecruiting",
    "SUSPENDED": "Suspended",
    "TERMINATED": "Terminated",
    "COMPLETED": "Completed",
    "WITHDRAWN": "Withdrawn",
}
# A page with 1,000+ sites lists its distinct places up to this many, to keep the page light.
MAX_LOCATIONS = 100


def _locations(sites: list[SiteFacts]) -> list[dict[str, Any]]:
    places: dict[str, dict[str, Any]] = {}
    for site in sites:
        parts = [p for p in (site.city, site.state, site.country) if p]
        if not parts:
            continue
        name = ", ".join(parts)
        if name not in places:
            places[name] = {"@type": "AdministrativeArea", "name": name}
        if len(places) >= MAX_LOCATIONS:
            break
    return list(places.values())


def medical_trial(trial: Trial, sites: list[SiteFacts], url: str, phase: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalTrial",
        "name": trial.brief_title,
        "url": url,
        "code": {
            "@type": "MedicalCode",
            "codeValue": trial.nct_id,
            "codingSystem": "ClinicalTrials.gov",
        },
        "healthCondition": [{"@type": "MedicalCondition", "name": name} for name in trial.condition_names],
        "studyLocation": _locations(sites),
    }
    if trial.official_title and trial.official_title != trial.brief_title:
        data["alternateName"] = trial.official_title
    if trial.brief_summary:
        data["description"] = shorten(to_plain_text(trial.brief_summary), 500)
    if trial.sponsor:
        data["sponsor"] = {"@type": "Organization", "name": trial.sponsor}
    if trial.overall_status in STUDY_STATUS:
        data["status"] = f"https://schema.org/{STUDY_STATUS[trial.overall_status]}"
    if phase:
        data["phase"] = phase
    return data
