"""Plain-language labels for registry codes: status, phase, ages, sex, study type and dates."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date, gettext, lazy_gettext, ngettext
from flask_babel.speaklater import LazyString

from portal.ctgov.ages import AgeError, parse_age

STATUS_LABELS: dict[str, LazyString] = {
    "RECRUITING": lazy_gettext("Recruiting"),
    "NOT_YET_RECRUITING": lazy_gettext("Not yet recruiting"),
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


def _age_words(value: float, unit: str, *, with_unit: bool = True) -> str:
    number = int(value) if value == int(value) else value
    if not with_unit:
        return str(number)
    forms = {
        "year": ngettext("%(num)s year", "%(num)s years", number),
        "month": ngettext("%(num)s month", "%(num)s months", number),
        "week": ngettext("%(num)s week", "%(num)s weeks", number),
        "day": ngettext("%(num)s day", "%(num)s days", number),
        "hour": ngettext("%(num)s hour", "%(num)s hours", number),
        "minute": ngettext("%(num)s minute", "%(num)s minutes", number),
    }
    return forms[unit]


def age_range(minimum: str | None, maximum: str | None) -> str:
    """ "18 to 65 years", "18 years and older", "Up to 17 years", "Any age"."""
    try:
        low, high = parse_age(minimum), parse_age(maximum)
    except AgeError:
        return gettext("See eligibility")
    if low is None and high is None:
        return gettext("Any age")
    if low is not None and high is None:
        return gettext("%(age)s and older", age=_age_words(low.value, low.unit))
    if low is None and high is not None:
        return gettext("Up to %(age)s", age=_age_words(high.value, high.unit))
    assert low is not None and high is not None
    if low.unit == high.unit:
        return gettext(
            "%(low)s to %(high)s",
            low=_age_words(low.value, low.unit, with_unit=False),
            high=_age_words(high.value, high.unit),
        )
    return gettext("%(low)s to %(high)s", low=_age_words(low.value, low.unit), high=_age_words(high.value, high.unit))


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


def partial_date(value: str | date | None) -> str | None:
    """ "2025-10-15" -> "15 October 2025"; "2025-10" -> "October 2025"."""
    if value is None:
        return None
    if isinstance(value, date):
        return format_date(value, "d MMMM y")
    try:
        if len(value) == 7:
            return format_date(date.fromisoformat(f"{value}-01"), "MMMM y")
        return format_date(date.fromisoformat(value), "d MMMM y")
    except ValueError:
        return None
