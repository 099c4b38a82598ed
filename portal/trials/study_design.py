"""What a trial tests, in plain words: its interventions, groups, design and outcomes, read from the record as imported.

Everything comes from `trial.raw` (the ClinicalTrials.gov study object). A module or field the record does not have
is left out, never filled in: an empty tuple or None here, nothing (or "Not given in this copy of the record") on the
page. Codes become words through portal.vocabulary. The page is cached per trial version, so this runs once each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.lists import format_list
from flask_babel import format_decimal, get_locale, gettext, ngettext
from flask_babel.speaklater import LazyString

from portal.trials.presenters import partial_date
from portal.vocabulary import (
    ALLOCATION_LABELS,
    ARM_GROUP_TYPE_LABELS,
    ARM_GROUP_TYPE_MEANINGS,
    DATE_TYPE_LABELS,
    ENROLLMENT_TYPE_LABELS,
    INTERVENTION_MODEL_LABELS,
    INTERVENTION_TYPE_LABELS,
    INTERVENTIONAL,
    MASKING_LABELS,
    OBSERVATIONAL,
    OBSERVATIONAL_MODEL_LABELS,
    PRIMARY_PURPOSE_LABELS,
    SAMPLING_METHOD_LABELS,
    TIME_PERSPECTIVE_LABELS,
    code_label,
    who_masked_label,
)

# Past this many secondary outcomes, the page shows them collapsed.
OPEN_SECONDARY_OUTCOMES_UP_TO = 3


def _module(data: Any, key: str) -> dict[str, Any] | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else None


def _objects(data: dict[str, Any] | None, key: str) -> list[dict[str, Any]]:
    value = data.get(key) if data else None
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(data: dict[str, Any] | None, key: str) -> str | None:
    value = data.get(key) if data else None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value).strip() or None


def _texts(data: dict[str, Any] | None, key: str) -> tuple[str, ...]:
    value = data.get(key) if data else None
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(item.strip() for item in value if isinstance(item, str) and item.strip()))


@dataclass(frozen=True)
class Intervention:
    name: str
    type_label: str | None
    description: str | None  # Markdown
    other_names: tuple[str, ...]


@dataclass(frozen=True)
class ArmGroup:
    label: str
    type_label: str | None
    interventions: tuple[str, ...]
    description: str | None  # Markdown


@dataclass(frozen=True)
class DesignFact:
    term: str
    lines: tuple[str, ...]
    note: str | None = None  # the study team's own words, Markdown


@dataclass(frozen=True)
class Outcome:
    measure: str
    time_frame: str | None
    description: str | None  # Markdown


@dataclass(frozen=True)
class StudyDesign:
    """The "What the study is testing" section."""

    study_type: str | None
    interventions: tuple[Intervention, ...]
    arms: tuple[ArmGroup, ...]
    arm_meanings: tuple[str, ...]
    # Who an observational study looks at (Markdown) and how they are picked: these take the place of the groups.
    population: str | None
    sampling: str | None
    facts: tuple[DesignFact, ...]
    primary_outcomes: tuple[Outcome, ...]
    secondary_outcomes: tuple[Outcome, ...]

    @property
    def observational(self) -> bool:
        return self.study_type == OBSERVATIONAL

    @property
    def missing_interventions(self) -> bool:
        """An interventional study always names what it tests: without them, this copy of the record is partial."""
        return self.study_type == INTERVENTIONAL and not self.interventions

    @property
    def missing_outcomes(self) -> bool:
        """An interventional study registers what it measures; an old observational one may not, so it is not said."""
        return self.study_type == INTERVENTIONAL and not self.primary_outcomes

    @property
    def secondary_collapsed(self) -> bool:
        return len(self.secondary_outcomes) > OPEN_SECONDARY_OUTCOMES_UP_TO

    @property
    def is_empty(self) -> bool:
        return not (
            self.interventions or self.arms or self.population or self.sampling or self.facts
            or self.primary_outcomes or self.secondary_outcomes
        )  # fmt: skip


def _interventions(module: dict[str, Any] | None) -> tuple[Intervention, ...]:
    interventions = []
    for item in _objects(module, "interventions"):
        name = _text(item, "name")
        if name is None:
            continue
        other_names = tuple(other for other in _texts(item, "otherNames") if other.casefold() != name.casefold())
        interventions.append(
            Intervention(
                name=name,
                type_label=code_label(INTERVENTION_TYPE_LABELS, _text(item, "type")),
                description=_text(item, "description"),
                other_names=other_names,
            )
        )
    return tuple(interventions)


def _arm_intervention_name(listed: str, names: set[str]) -> str:
    """A group lists its interventions as "Drug: Placebo"; the name alone when it is one of the trial's own."""
    _kind, sep, rest = listed.partition(": ")
    return rest if sep and rest.strip().casefold() in names else listed


def _arms(module: dict[str, Any] | None, interventions: tuple[Intervention, ...]) -> tuple[ArmGroup, ...]:
    names = {item.name.casefold() for item in interventions}
    arms = []
    for item in _objects(module, "armGroups"):
        label = _text(item, "label")
        description = _text(item, "description")
        listed = tuple(_arm_intervention_name(name, names) for name in _texts(item, "interventionNames"))
        if label is None and description is None and not listed:
            continue
        arms.append(
            ArmGroup(
                label=label or gettext("Group"),
                type_label=code_label(ARM_GROUP_TYPE_LABELS, _text(item, "type")),
                interventions=tuple(dict.fromkeys(listed)),
                description=description,
            )
        )
    return tuple(arms)


def _arm_meanings(module: dict[str, Any] | None) -> tuple[str, ...]:
    codes = [_text(item, "type") for item in _objects(module, "armGroups")]
    if codes and all(code == "EXPERIMENTAL" for code in codes):
        return (gettext("Everyone in this study gets a treatment being tested."),)
    known = dict.fromkeys(code for code in codes if code in ARM_GROUP_TYPE_MEANINGS)
    return tuple(str(ARM_GROUP_TYPE_MEANINGS[code]) for code in known)


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def masking_words(masking_info: dict[str, Any] | None) -> str | None:
    """Who is not told which group a person is in, or that everyone knows."""
    masking = _text(masking_info, "masking")
    who = _texts(masking_info, "whoMasked")
    if masking != "NONE" and who:
        people = format_list([who_masked_label(code) for code in who], locale=get_locale() or "en")
        return gettext("%(people)s do not know which group you are in.", people=_sentence_start(people))
    return code_label(MASKING_LABELS, masking)


def _date_words(struct: dict[str, Any] | None) -> str | None:
    when = partial_date(_text(struct, "date"))
    if when is None:
        return None
    kind = code_label(DATE_TYPE_LABELS, _text(struct, "type"))
    return gettext("%(date)s (%(kind)s)", date=when, kind=kind) if kind else when


def _month(value: str | None) -> int | None:
    try:
        day = date.fromisoformat(value if value and len(value) == 10 else f"{value}-01")
    except (TypeError, ValueError):
        return None
    return day.year * 12 + day.month


def _length_words(start: dict[str, Any] | None, end: dict[str, Any] | None) -> str | None:
    first, last = _month(_text(start, "date")), _month(_text(end, "date"))
    if first is None or last is None or last < first:
        return None
    months = last - first
    if months < 1:
        return gettext("Less than a month from the start to the main results")
    if months < 24:
        return ngettext(
            "About %(num)s month from the start to the main results",
            "About %(num)s months from the start to the main results",
            months,
        )
    years = round(months / 12)
    return ngettext(
        "About %(num)s year from the start to the main results",
        "About %(num)s years from the start to the main results",
        years,
    )


def _timeline(status: dict[str, Any] | None) -> tuple[str, ...]:
    start = _module(status, "startDateStruct")
    end = _module(status, "primaryCompletionDateStruct")
    started, finished = _date_words(start), _date_words(end)
    lines = []
    if started:
        lines.append(gettext("Start: %(date)s", date=started))
    if finished:
        lines.append(gettext("Main results collected by: %(date)s", date=finished))
    if started and finished and (length := _length_words(start, end)):
        lines.append(length)
    return tuple(lines)


def _enrollment(info: dict[str, Any] | None) -> str | None:
    count = info.get("count") if info else None
    if isinstance(count, bool) or not isinstance(count, int | float) or count < 0:
        return None
    num = int(count)
    shown = format_decimal(num)
    kind = _text(info, "type")
    if kind == "ESTIMATED":
        return ngettext("Plans to enroll %(shown)s person", "Plans to enroll %(shown)s people", num, shown=shown)
    if kind == "ACTUAL":
        return ngettext("%(shown)s person enrolled", "%(shown)s people enrolled", num, shown=shown)
    people = ngettext("%(shown)s person", "%(shown)s people", num, shown=shown)
    label = code_label(ENROLLMENT_TYPE_LABELS, kind)
    return gettext("%(people)s (%(kind)s)", people=people, kind=label) if label else people


def _facts(protocol: dict[str, Any]) -> tuple[DesignFact, ...]:
    design = _module(protocol, "designModule")
    info = _module(design, "designInfo")
    masking_info = _module(info, "maskingInfo")

    def label(labels: Mapping[str, LazyString], key: str) -> str | None:
        return code_label(labels, _text(info, key))

    rows: list[tuple[str, str | None, str | None]] = [
        (gettext("Main purpose"), label(PRIMARY_PURPOSE_LABELS, "primaryPurpose"), None),
        (gettext("How groups are chosen"), label(ALLOCATION_LABELS, "allocation"), None),
        (
            gettext("How the groups are set up"),
            label(INTERVENTION_MODEL_LABELS, "interventionModel"),
            _text(info, "interventionModelDescription"),
        ),
        (
            gettext("Who knows which group you are in"),
            masking_words(masking_info),
            _text(masking_info, "maskingDescription"),
        ),
        (gettext("How the study looks at people"), label(OBSERVATIONAL_MODEL_LABELS, "observationalModel"), None),
        (gettext("Time frame"), label(TIME_PERSPECTIVE_LABELS, "timePerspective"), None),
        (gettext("Number of people"), _enrollment(_module(design, "enrollmentInfo")), None),
    ]
    facts = [DesignFact(term, (value,), note) for term, value, note in rows if value]
    if timeline := _timeline(_module(protocol, "statusModule")):
        facts.append(DesignFact(gettext("How long it runs"), timeline))
    return tuple(facts)


def _outcomes(module: dict[str, Any] | None, key: str) -> tuple[Outcome, ...]:
    outcomes = []
    for item in _objects(module, key):
        measure = _text(item, "measure")
        if measure is None:
            continue
        outcomes.append(Outcome(measure, _text(item, "timeFrame"), _text(item, "description")))
    return tuple(outcomes)


def study_design(raw: Any) -> StudyDesign:
    """The section's content from a ClinicalTrials.gov study object; anything unreadable counts as not given."""
    protocol = _module(raw, "protocolSection") or {}
    study_type = _text(_module(protocol, "designModule"), "studyType")
    arms_module = _module(protocol, "armsInterventionsModule")
    outcomes_module = _module(protocol, "outcomesModule")
    eligibility = _module(protocol, "eligibilityModule")
    interventions = _interventions(arms_module)
    observational = study_type == OBSERVATIONAL
    return StudyDesign(
        study_type=study_type,
        interventions=interventions,
        # An observational study assigns nobody to a group: its population takes the place of the groups.
        arms=() if observational else _arms(arms_module, interventions),
        arm_meanings=() if observational else _arm_meanings(arms_module),
        population=_text(eligibility, "studyPopulation") if observational else None,
        sampling=code_label(SAMPLING_METHOD_LABELS, _text(eligibility, "samplingMethod")) if observational else None,
        facts=_facts(protocol),
        primary_outcomes=_outcomes(outcomes_module, "primaryOutcomes"),
        secondary_outcomes=_outcomes(outcomes_module, "secondaryOutcomes"),
    )
