"""The registry's vocabulary, in one place: status, phase, sex, study-type and study-design codes, and their labels.

Site statuses use the same codes as a trial's overall status. Every feature reads codes and labels from here; an
unknown code is shown as-is, in readable words, never as a blank.
"""

from __future__ import annotations

from collections.abc import Mapping

from babel import Locale
from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString

RECRUITING = "RECRUITING"
NOT_YET_RECRUITING = "NOT_YET_RECRUITING"
# Statuses in which a study may still take people on: searches, alerts and the contact form open only for these.
OPEN_STATUSES = (RECRUITING, NOT_YET_RECRUITING)
# Not open: only people the study team invites can join.
ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION"
# An expanded access record's status: the treatment may be had outside a study.
EXPANDED_ACCESS_AVAILABLE = "AVAILABLE"
# A date that has happened, as against an ESTIMATED one (date structs and enrollment counts).
ACTUAL = "ACTUAL"
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
# The portal's own languages (Babel's names) as codes of the list above: a patient reading the portal in Spanish
# is offered Spanish as the language to be contacted in.
UI_LOCALE_LANGUAGE = {"en": "en", "es": "es", "zh_Hans": "zh"}
LANGUAGE_UI_LOCALE = {code: locale for locale, code in UI_LOCALE_LANGUAGE.items()}


def email_locale(language: str | None, ui_locale: str | None) -> str:
    """The portal language a patient's emails are written in: the one they asked for when the portal has it,
    else the one they used the portal in (English for rows from before there was a choice)."""
    return LANGUAGE_UI_LOCALE.get(language or "") or (ui_locale if ui_locale in UI_LOCALE_LANGUAGE else "en")


def preferred_language_code(language: str | None, ui_locale: str | None) -> str | None:
    """The language a patient wants to be contacted in: the one they chose, else the portal's they used (not en)."""
    if language:
        return language
    code = UI_LOCALE_LANGUAGE.get(ui_locale or "")
    return code if code and code != "en" else None

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

INTERVENTIONAL = "INTERVENTIONAL"
OBSERVATIONAL = "OBSERVATIONAL"
STUDY_TYPE_LABELS: dict[str, LazyString] = {
    INTERVENTIONAL: lazy_gettext("Interventional (tests a treatment or other intervention)"),
    OBSERVATIONAL: lazy_gettext("Observational (follows people without assigning a treatment)"),
    "EXPANDED_ACCESS": lazy_gettext("Expanded access"),
}


# The parts of a record (protocolSection modules) that an incomplete copy's notice lists when they are left out,
# in the order the page shows them.
RECORD_PART_LABELS: dict[str, LazyString] = {
    "descriptionModule": lazy_gettext("the summary and description of the study"),
    "armsInterventionsModule": lazy_gettext("what people in the study get"),
    "outcomesModule": lazy_gettext("what the researchers will measure"),
    "eligibilityModule": lazy_gettext("who can take part: ages, sex and criteria"),
    "contactsLocationsModule": lazy_gettext("the study sites and contacts"),
    "conditionsModule": lazy_gettext("the conditions studied"),
    "designModule": lazy_gettext("how the study is set up"),
    "sponsorCollaboratorsModule": lazy_gettext("the sponsor"),
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
    """The label of a sex code; a record that gives none says nothing, which is not "All"."""
    if not code:
        return gettext("Not given in this copy of the record")
    label = SEX_LABELS.get(code)
    return str(label) if label is not None else _humanise_code(code)


def record_part_label(module: str) -> str:
    label = RECORD_PART_LABELS.get(module)
    return str(label) if label is not None else module.removesuffix("Module")


def study_type_label(code: str | None) -> str | None:
    if not code:
        return None
    label = STUDY_TYPE_LABELS.get(code)
    return str(label) if label is not None else _humanise_code(code)


# What a trial tests and how it is set up (protocolSection.armsInterventionsModule and designModule.designInfo).
INTERVENTION_TYPE_LABELS: dict[str, LazyString] = {
    "DRUG": lazy_gettext("Drug"),
    "DEVICE": lazy_gettext("Device"),
    "BIOLOGICAL": lazy_gettext("Biological (made from living things, like a vaccine or blood product)"),
    "PROCEDURE": lazy_gettext("Procedure or surgery"),
    "RADIATION": lazy_gettext("Radiation"),
    "BEHAVIORAL": lazy_gettext("Behavioral (a change in habits, activities or ways of thinking)"),
    "GENETIC": lazy_gettext("Genetic (works on genes)"),
    "DIETARY_SUPPLEMENT": lazy_gettext("Dietary supplement"),
    "COMBINATION_PRODUCT": lazy_gettext("Combination product (for example, a drug that comes with a device)"),
    "DIAGNOSTIC_TEST": lazy_gettext("Diagnostic test"),
    "OTHER": lazy_gettext("Other"),
}

ARM_GROUP_TYPE_LABELS: dict[str, LazyString] = {
    "EXPERIMENTAL": lazy_gettext("Experimental: gets the treatment being tested"),
    "ACTIVE_COMPARATOR": lazy_gettext("For comparison: gets a treatment already in use"),
    "PLACEBO_COMPARATOR": lazy_gettext("For comparison: gets a placebo"),
    "SHAM_COMPARATOR": lazy_gettext("For comparison: gets a sham (pretend) treatment"),
    "NO_INTERVENTION": lazy_gettext("Gets no study treatment"),
    "OTHER": lazy_gettext("Other kind of group"),
}

# What each kind of group means for someone taking part, said once per kind on the page.
ARM_GROUP_TYPE_MEANINGS: dict[str, LazyString] = {
    "EXPERIMENTAL": lazy_gettext("Some people in this study get the treatment being tested."),
    "ACTIVE_COMPARATOR": lazy_gettext(
        "Some people in this study get a treatment that is already in use (or their usual care), so the researchers "
        "can compare the two."
    ),
    "PLACEBO_COMPARATOR": lazy_gettext(
        "Some people in this study get a placebo (a look-alike with no active medicine)."
    ),
    "SHAM_COMPARATOR": lazy_gettext(
        "Some people in this study get a sham (a pretend procedure or device that looks like the real one but does "
        "not treat anything)."
    ),
    "NO_INTERVENTION": lazy_gettext("Some people in this study get no study treatment."),
    "OTHER": lazy_gettext("Some groups in this study are of another kind: their descriptions say what they get."),
}

ALLOCATION_LABELS: dict[str, LazyString] = {
    "RANDOMIZED": lazy_gettext("A computer decides by chance which group you are in (randomized)."),
    "NON_RANDOMIZED": lazy_gettext("Groups are not chosen by chance (non-randomized)."),
    "NA": lazy_gettext("Does not apply to this study."),
}

MASKING_LABELS: dict[str, LazyString] = {
    "NONE": lazy_gettext("Everyone knows which group you are in (open label)."),
    "SINGLE": lazy_gettext("One side of the study is not told which group you are in (single-blind)."),
    "DOUBLE": lazy_gettext("Two sides of the study are not told which group you are in (double-blind)."),
    "TRIPLE": lazy_gettext("Three sides of the study are not told which group you are in (triple-blind)."),
    "QUADRUPLE": lazy_gettext(
        "You, your doctor and care team, the researchers and the people who measure the results are not told which "
        "group you are in (quadruple-blind)."
    ),
}

# Who is not told which group a person is in; these go in the middle of a sentence, so they start in lower case.
WHO_MASKED_LABELS: dict[str, LazyString] = {
    "PARTICIPANT": lazy_gettext("you"),
    "CARE_PROVIDER": lazy_gettext("your doctor and care team"),
    "INVESTIGATOR": lazy_gettext("the researchers"),
    "OUTCOMES_ASSESSOR": lazy_gettext("the people who measure the results"),
}

INTERVENTION_MODEL_LABELS: dict[str, LazyString] = {
    "SINGLE_GROUP": lazy_gettext("One group: everyone gets the same treatment."),
    "PARALLEL": lazy_gettext("Side by side: each group gets a different treatment during the same time."),
    "CROSSOVER": lazy_gettext("Crossover: people switch from one treatment to another during the study."),
    "FACTORIAL": lazy_gettext("Factorial: groups get different combinations of two or more treatments."),
    "SEQUENTIAL": lazy_gettext("Sequential: groups start one after another."),
}

PRIMARY_PURPOSE_LABELS: dict[str, LazyString] = {
    "TREATMENT": lazy_gettext("To treat a health condition"),
    "PREVENTION": lazy_gettext("To prevent a health condition"),
    "DIAGNOSTIC": lazy_gettext("To find better ways to diagnose a health condition"),
    "SUPPORTIVE_CARE": lazy_gettext("To make people more comfortable or improve their quality of life"),
    "SCREENING": lazy_gettext("To find better ways to check for a health condition before there are signs of it"),
    "HEALTH_SERVICES_RESEARCH": lazy_gettext("To study how health care is given"),
    "BASIC_SCIENCE": lazy_gettext("To learn how the body or a condition works"),
    "DEVICE_FEASIBILITY": lazy_gettext("To find out whether a device is practical to use"),
    "ECT": lazy_gettext("To test education, counseling or training"),
    "OTHER": lazy_gettext("Other"),
}

OBSERVATIONAL_MODEL_LABELS: dict[str, LazyString] = {
    "COHORT": lazy_gettext("Follows a group of people over time (cohort)"),
    "CASE_CONTROL": lazy_gettext("Compares people who have a condition with people who do not (case-control)"),
    "CASE_ONLY": lazy_gettext("Studies only people who have the condition (case-only)"),
    "CASE_CROSSOVER": lazy_gettext(
        "Compares each person's time just before an event with other times (case-crossover)"
    ),
    "ECOLOGIC_OR_COMMUNITY": lazy_gettext("Studies whole groups or communities"),
    "FAMILY_BASED": lazy_gettext("Studies members of the same families"),
    "DEFINED_POPULATION": lazy_gettext("Studies a defined group of people"),
    "NATURAL_HISTORY": lazy_gettext("Follows how a condition changes over time (natural history)"),
    "OTHER": lazy_gettext("Other"),
}

TIME_PERSPECTIVE_LABELS: dict[str, LazyString] = {
    "PROSPECTIVE": lazy_gettext("Follows people from now on (prospective)"),
    "RETROSPECTIVE": lazy_gettext("Looks back at past records (retrospective)"),
    "CROSS_SECTIONAL": lazy_gettext("Looks at one point in time (cross-sectional)"),
    "OTHER": lazy_gettext("Other"),
}

SAMPLING_METHOD_LABELS: dict[str, LazyString] = {
    "PROBABILITY_SAMPLE": lazy_gettext("People are picked at random from a larger group (probability sample)."),
    "NON_PROBABILITY_SAMPLE": lazy_gettext("People are not picked at random (non-probability sample)."),
}

# Whether a number of people or a date has happened or is planned; they follow a number or a date.
ENROLLMENT_TYPE_LABELS: dict[str, LazyString] = {
    "ACTUAL": lazy_gettext("actual"),
    "ESTIMATED": lazy_gettext("expected"),
}
DATE_TYPE_LABELS = ENROLLMENT_TYPE_LABELS  # the registry uses the same two codes for both

CONTACT_ROLE_LABELS: dict[str, LazyString] = {
    "CONTACT": lazy_gettext("Study contact"),
    "PRINCIPAL_INVESTIGATOR": lazy_gettext("Principal investigator (leads the study)"),
    "SUB_INVESTIGATOR": lazy_gettext("Sub-investigator (helps lead the study)"),
    "STUDY_DIRECTOR": lazy_gettext("Study director"),
    "STUDY_CHAIR": lazy_gettext("Study chair"),
}


def code_label(labels: Mapping[str, LazyString], code: str | None) -> str | None:
    """The plain label of a registry code from one of the tables above; an unknown code in readable words."""
    if not code:
        return None
    label = labels.get(code)
    return str(label) if label is not None else _humanise_code(code)


def who_masked_label(code: str) -> str:
    """Mid-sentence words for a role that is not told the group ("the researchers"); unknown codes in lower case."""
    label = WHO_MASKED_LABELS.get(code)
    return str(label) if label is not None else _humanise_code(code).lower()


def language_name_in(code: str, locale: str) -> str:
    """A language of the list above named in another ("Spanish" in English, "español" in Spanish), from CLDR."""
    return Locale.parse(locale).languages.get(code) or LANGUAGE_NAMES.get(code, code)


def preferred_language_name(language: str | None, ui_locale: str | None, in_locale: str = "en") -> str | None:
    """"Spanish": the preferred language, named for the study team (English by default); None: no preference."""
    code = preferred_language_code(language, ui_locale)
    return language_name_in(code, in_locale) if code else None
