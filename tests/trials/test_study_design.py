"""What a study tests, in plain words: each family of registry codes, on real records, and an unknown code of each."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from portal.trials.study_design import StudyDesign, masking_words, study_design
from portal.vocabulary import (
    ALLOCATION_LABELS,
    ARM_GROUP_TYPE_LABELS,
    CONTACT_ROLE_LABELS,
    DATE_TYPE_LABELS,
    ENROLLMENT_TYPE_LABELS,
    INTERVENTION_MODEL_LABELS,
    INTERVENTION_TYPE_LABELS,
    MASKING_LABELS,
    OBSERVATIONAL_MODEL_LABELS,
    PRIMARY_PURPOSE_LABELS,
    SAMPLING_METHOD_LABELS,
    TIME_PERSPECTIVE_LABELS,
    code_label,
    who_masked_label,
)
from tests.conftest import DEMO_TRIALS


@pytest.fixture(autouse=True)
def request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


def record(nct_id: str) -> dict[str, Any]:
    data = json.loads((DEMO_TRIALS / f"{nct_id}.json").read_text())
    return data["studies"][0] if "studies" in data else data


def protocol(study: dict[str, Any]) -> dict[str, Any]:
    return study["protocolSection"]


def fact(design: StudyDesign, term: str) -> tuple[str, ...] | None:
    return next((f.lines for f in design.facts if f.term == term), None)


def test_every_code_seen_in_the_records_has_a_label(app: Flask) -> None:
    """Each table covers what ClinicalTrials.gov sends; none of its labels is blank."""
    tables = [
        INTERVENTION_TYPE_LABELS, ARM_GROUP_TYPE_LABELS, ALLOCATION_LABELS, MASKING_LABELS, INTERVENTION_MODEL_LABELS,
        PRIMARY_PURPOSE_LABELS, OBSERVATIONAL_MODEL_LABELS, TIME_PERSPECTIVE_LABELS, SAMPLING_METHOD_LABELS,
        ENROLLMENT_TYPE_LABELS, DATE_TYPE_LABELS, CONTACT_ROLE_LABELS,
    ]  # fmt: skip
    for table in tables:
        for code in table:
            assert str(code_label(table, code)).strip()
        assert code_label(table, None) is None
        assert code_label(table, "") is None


def test_intervention_types() -> None:
    design = study_design(record("NCT04267848"))  # drugs, a biological and procedures
    kinds = {item.name: item.type_label for item in design.interventions}
    assert kinds["Pembrolizumab"] == "Biological (made from living things, like a vaccine or blood product)"
    assert kinds["Cisplatin"] == "Drug"
    assert "Procedure or surgery" in kinds.values()
    assert code_label(INTERVENTION_TYPE_LABELS, "BEHAVIORAL") == (
        "Behavioral (a change in habits, activities or ways of thinking)"
    )
    assert code_label(INTERVENTION_TYPE_LABELS, "GENE_EDITING_KIT") == "Gene editing kit"


def test_arm_group_types_and_what_they_mean_for_a_participant() -> None:
    placebo = study_design(record("NCT03064438"))
    assert "Some people in this study get a placebo (a look-alike with no active medicine)." in placebo.arm_meanings
    assert "For comparison: gets a placebo" in {arm.type_label for arm in placebo.arms}

    sham = study_design(record("NCT04040387"))
    assert any("a sham (a pretend procedure" in sentence for sentence in sham.arm_meanings)

    mixed = study_design(record("NCT00973089"))  # experimental, no intervention and other
    assert "Some people in this study get no study treatment." in mixed.arm_meanings
    assert any(sentence.startswith("Some groups in this study are of another kind") for sentence in mixed.arm_meanings)

    study = record("NCT04012996")  # experimental and active comparator
    design = study_design(study)
    assert [arm.type_label for arm in design.arms] == [
        "Experimental: gets the treatment being tested",
        "For comparison: gets a treatment already in use",
    ]
    # A group lists its interventions as "Device: Mobi-C Cervical Disc"; the page names them as the trial does.
    assert design.arms[1].interventions == ("Mobi-C Cervical Disc",)

    single = copy.deepcopy(study)
    for arm in protocol(single)["armsInterventionsModule"]["armGroups"]:
        arm["type"] = "EXPERIMENTAL"
    assert study_design(single).arm_meanings == ("Everyone in this study gets a treatment being tested.",)

    unknown = copy.deepcopy(study)
    protocol(unknown)["armsInterventionsModule"]["armGroups"][1]["type"] = "DOSE_FINDING"
    design = study_design(unknown)
    assert design.arms[1].type_label == "Dose finding"
    assert design.arm_meanings == ("Some people in this study get the treatment being tested.",)


def test_allocation() -> None:
    assert fact(study_design(record("NCT04012996")), "How groups are chosen") == (
        "A computer decides by chance which group you are in (randomized).",
    )
    assert fact(study_design(record("NCT01213277")), "How groups are chosen") == (
        "Groups are not chosen by chance (non-randomized).",
    )
    assert fact(study_design(record("NCT03281889")), "How groups are chosen") == ("Does not apply to this study.",)
    study = record("NCT04012996")
    protocol(study)["designModule"]["designInfo"]["allocation"] = "BY_COIN_TOSS"
    assert fact(study_design(study), "How groups are chosen") == ("By coin toss",)


def test_masking_names_who_does_not_know() -> None:
    assert masking_words({"masking": "NONE"}) == "Everyone knows which group you are in (open label)."
    assert fact(study_design(record("NCT04012996")), "Who knows which group you are in") == (
        "You do not know which group you are in.",
    )
    assert fact(study_design(record("NCT03630471")), "Who knows which group you are in") == (
        "The researchers and the people who measure the results do not know which group you are in.",
    )
    assert fact(study_design(record("NCT00763412")), "Who knows which group you are in") == (
        "You, your doctor and care team, the researchers, and the people who measure the results do not know "
        "which group you are in.",
    )
    # Without whoMasked, the masking level alone.
    assert masking_words({"masking": "DOUBLE"}) == (
        "Two sides of the study are not told which group you are in (double-blind)."
    )
    assert masking_words({"masking": "SEXTUPLE"}) == "Sextuple"
    assert masking_words(None) is None


def test_who_masked() -> None:
    assert who_masked_label("PARTICIPANT") == "you"
    assert who_masked_label("CARE_PROVIDER") == "your doctor and care team"
    assert who_masked_label("INVESTIGATOR") == "the researchers"
    assert who_masked_label("OUTCOMES_ASSESSOR") == "the people who measure the results"
    assert who_masked_label("DATA_MONITOR") == "data monitor"
    assert masking_words({"masking": "SINGLE", "whoMasked": ["DATA_MONITOR"]}) == (
        "Data monitor do not know which group you are in."
    )


def test_intervention_model() -> None:
    assert fact(study_design(record("NCT03418623")), "How the groups are set up") == (
        "Crossover: people switch from one treatment to another during the study.",
    )
    assert fact(study_design(record("NCT03281889")), "How the groups are set up") == (
        "One group: everyone gets the same treatment.",
    )
    assert code_label(INTERVENTION_MODEL_LABELS, "ADAPTIVE_PLATFORM") == "Adaptive platform"


def test_primary_purpose() -> None:
    assert fact(study_design(record("NCT06863285")), "Main purpose") == (
        "To make people more comfortable or improve their quality of life",
    )
    assert fact(study_design(record("NCT04012996")), "Main purpose") == ("To treat a health condition",)
    assert code_label(PRIMARY_PURPOSE_LABELS, "QUALITY_IMPROVEMENT") == "Quality improvement"


def test_observational_population_takes_the_place_of_groups() -> None:
    study = record("NCT01100827")  # observational, cohort, retrospective, probability sample
    design = study_design(study)
    assert design.observational and design.arms == () and design.arm_meanings == ()
    assert design.population == protocol(study)["eligibilityModule"]["studyPopulation"]
    assert design.sampling == "People are picked at random from a larger group (probability sample)."
    assert fact(design, "How the study looks at people") == ("Follows a group of people over time (cohort)",)
    assert fact(design, "Time frame") == ("Looks back at past records (retrospective)",)
    assert fact(design, "How groups are chosen") is None
    assert code_label(OBSERVATIONAL_MODEL_LABELS, "TWIN_STUDY") == "Twin study"
    assert code_label(TIME_PERSPECTIVE_LABELS, "AMBISPECTIVE") == "Ambispective"
    assert code_label(SAMPLING_METHOD_LABELS, "SNOWBALL") == "Snowball"


def test_enrollment_says_planned_or_actual() -> None:
    assert fact(study_design(record("NCT04012996")), "Number of people") == ("Plans to enroll 390 people",)
    study = record("NCT00576225")
    count = protocol(study)["designModule"]["enrollmentInfo"]["count"]
    assert fact(study_design(study), "Number of people") == (f"{count:,} people enrolled",)
    protocol(study)["designModule"]["enrollmentInfo"]["type"] = "ANTICIPATED"
    assert fact(study_design(study), "Number of people") == (f"{count:,} people (Anticipated)",)
    del protocol(study)["designModule"]["enrollmentInfo"]["type"]
    assert fact(study_design(study), "Number of people") == (f"{count:,} people",)
    # NCT01100827 gives no enrollment at all: nothing is said.
    assert fact(study_design(record("NCT01100827")), "Number of people") is None


def test_how_long_it_runs_says_actual_or_expected() -> None:
    assert fact(study_design(record("NCT04012996")), "How long it runs") == (
        "Start: 5 August 2019 (actual)",
        "Main results collected by: January 2023 (expected)",
        "About 3 years from the start to the main results",
    )
    study = record("NCT04012996")
    status = protocol(study)["statusModule"]
    status["primaryCompletionDateStruct"] = {"date": "2020-02", "type": "PROJECTED"}
    assert fact(study_design(study), "How long it runs") == (
        "Start: 5 August 2019 (actual)",
        "Main results collected by: February 2020 (Projected)",
        "About 6 months from the start to the main results",
    )
    del status["primaryCompletionDateStruct"]
    assert fact(study_design(study), "How long it runs") == ("Start: 5 August 2019 (actual)",)
    del status["startDateStruct"]
    assert fact(study_design(study), "How long it runs") is None


def test_outcomes_and_their_time_frames() -> None:
    study = record("NCT02552212")  # 20 secondary outcomes
    outcomes = protocol(study)["outcomesModule"]
    design = study_design(study)
    assert [o.measure for o in design.primary_outcomes] == [o["measure"] for o in outcomes["primaryOutcomes"]]
    assert design.primary_outcomes[0].time_frame == outcomes["primaryOutcomes"][0]["timeFrame"]
    assert len(design.secondary_outcomes) == 20 and design.secondary_collapsed
    assert not study_design(record("NCT04600544")).secondary_collapsed  # 3 secondary outcomes


def test_a_missing_module_says_nothing() -> None:
    study = record("NCT04012996")
    for module in ("armsInterventionsModule", "outcomesModule", "designModule", "statusModule", "eligibilityModule"):
        del protocol(study)[module]
    design = study_design(study)
    assert design.is_empty
    assert design.interventions == () and design.arms == () and design.primary_outcomes == ()
    # Without its design module, the study type is unknown too: nothing is said to be missing.
    assert not design.missing_interventions and not design.missing_outcomes

    interventional = record("NCT04012996")
    del protocol(interventional)["armsInterventionsModule"]
    del protocol(interventional)["outcomesModule"]
    design = study_design(interventional)
    assert design.missing_interventions and design.missing_outcomes

    assert study_design({}).is_empty
    assert study_design({"protocolSection": {"armsInterventionsModule": {"interventions": "not a list"}}}).is_empty
