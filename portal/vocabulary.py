"""The registry's vocabulary, in one place: status, phase, sex and study-type codes, and their plain labels.

Site statuses use the same codes as a trial's overall status. Every feature reads codes and labels from here; an
unknown code is shown as-is, in readable words, never as a blank.
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString

RECRUITING = "RECRUITING"
NOT_YET_RECRUITING = "NOT_YET_RECRUITING"
# Statuses in which a study may still take people on: searches, alerts and the contact form open only for these.
OPEN_STATUSES = (RECRUITING, NOT_YET_RECRUITING)
# ClinicalTrials.gov's phase codes. SearchFacts keeps a trial's phases as the bits of phase_mask, in this order.
PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
ALL_SEXES = "ALL"

# Languages a patient can ask to be contacted in: code -> name in that language, so each reader finds theirs.
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("zh", "中文"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
    ("pt", "Português"),
    ("ar", "العربية"),
    ("hi", "हिन्दी"),
    ("ru", "Русский"),
    ("ja", "日本語"),
    ("ko", "한국어"),
    ("vi", "Tiếng Việt"),
    ("tl", "Tagalog"),
    ("pl", "Polski"),
    ("tr", "Türkçe"),
]
LANGUAGE_NAMES = dict(LANGUAGES)

SEXES = ("FEMALE", "MALE")

STATUS_LABELS: dict[str, LazyString] = {
    RECRUITING: lazy_gettext("Recruiting"),
    NOT_YET_RECRUITING: lazy_gettext("Not yet recruiting"),
    "ENROLLING_BY_INVITATION": lazy_gettext("Enrolling by invitation"),
    "ACTIVE_NOT_RECRUITING": lazy_gettext("Active, not recruiting"),
    "SUSPENDED": lazy_gettext("Suspended"),
    "TERMINATED": lazy_gettext("Terminated"),
    "COMPLETED": lazy_gettext("Completed"),
    "WITHDRAWN": lazy_gettext("Withdrawn"),
    "UNKNOWN": lazy_gettext("Status unknown"),
    "AVAILABLE": lazy_gettext("Available"),
    "NO_LONGER_AVAILABLE": lazy_gettext("No longer available"),
    "TEMPORARILY_NOT_AVAILABLE": lazy_gettext("Temporarily not available"),
    "APPROVED_FOR_MARKETING": lazy_gettext("Approved for marketing"),
    "WITHHELD": lazy_gettext("Withheld"),
}

PHASE_NUMBERS = {"PHASE1": "1", "PHASE2": "2", "PHASE3": "3", "PHASE4": "4"}

SEX_LABELS: dict[str, LazyString] = {
    "ALL": lazy_gettext("All"),
    "FEMALE": lazy_gettext("Female"),
    "MALE": lazy_gettext("Male"),
}

STUDY_TYPE_LABELS: dict[str, LazyString] = {
    "INTERVENTIONAL": lazy_gettext("Interventional (tests a treatment or other intervention)"),
    "OBSERVATIONAL": lazy_gettext("Observational (follows people without assigning a treatment)"),
    "EXPANDED_ACCESS": lazy_gettext("Expanded access"),
}


def _humanise_code(code: str) -> str:
    return code.replace("_", " ").capitalize()


def status_label(code: str | None) -> str:
    if not code:
        return gettext("Status unknown")
    label = STATUS_LABELS.get(code)
    return str(label) if label is not None else _humanise_code(code)


def status_css(code: str | None) -> str:
    return "status--" + (code or "unknown").lower().replace("_", "-")


def phase_label(phases: list[str] | None) -> str | None:
    """["PHASE1","PHASE2"] -> "Phase 1/2"; ["EARLY_PHASE1"] -> "Early phase 1"; none for observational."""
    if not phases:
        return None
    if phases == ["NA"]:
        return gettext("Not applicable")
    if phases == ["EARLY_PHASE1"]:
        return gettext("Early phase 1")
    numbers = [PHASE_NUMBERS[p] for p in phases if p in PHASE_NUMBERS]
    if not numbers:
        return ", ".join(_humanise_code(p) for p in phases)
    return gettext("Phase %(numbers)s", numbers="/".join(numbers))


def sex_label(code: str | None) -> str:
    if not code:
        return gettext("All")
    label = SEX_LABELS.get(code)
    return str(label) if label is not None else _humanise_code(code)


def study_type_label(code: str | None) -> str | None:
    if not code:
        return None
    label = STUDY_TYPE_LABELS.get(code)
    return str(label) if label is not None else _humanise_code(code)
