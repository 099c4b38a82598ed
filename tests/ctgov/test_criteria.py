"""Tests for splitting ClinicalTrials.gov eligibility text into inclusion/exclusion items."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.ctgov.criteria import CriteriaSection, CriterionItem, ParsedCriteria, parse_criteria
from tests.conftest import CTGOV_BULK, DEMO_TRIALS

RECORDS = DEMO_TRIALS
BULK = CTGOV_BULK
PROPERTY = settings(deadline=None, database=None)

# Tokens a parser may drop: list markers such as "1.", "a)", "(iv)", "o".
MARKER_WORD = re.compile(r"(?:[0-9]{1,3}|[A-Za-z]|[ivxlIVXL]+)")
# Short heading lines, written independently of the parser's own heading rules.
HEADING_LINE = re.compile(
    r"(?:[\w.-]+\s+){0,3}?(inclusion|exclusion)(?:\s+criteria)?(?:\s+\([^)]*\))?\s*:?", re.IGNORECASE
)


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"[^\W_]+", text))


def _walk(items: Iterable[CriterionItem]) -> Iterator[CriterionItem]:
    for item in items:
        yield item
        yield from _walk(item.children)


def _output_words(parsed: ParsedCriteria) -> Counter[str]:
    found: Counter[str] = Counter()
    for section in parsed.sections:
        found.update(_words(section.heading or ""))
        for paragraph in section.intro:
            found.update(_words(paragraph))
        for item in _walk(section.items):
            found.update(_words(item.text))
    return found


def assert_preserved(text: str, parsed: ParsedCriteria) -> None:
    lost = _words(text) - _output_words(parsed)
    unexpected = sorted(word for word in lost if not MARKER_WORD.fullmatch(word))
    assert not unexpected, f"words lost by the parser: {unexpected[:20]}"


def _has_heading(text: str, kind: str) -> bool:
    for line in text.splitlines():
        line = line.strip().lstrip("*-•# ").strip("*_ ")
        match = HEADING_LINE.fullmatch(line)
        if len(line) <= 60 and match and match.group(1).lower() == kind:
            return True
    return False


def _tree(items: Iterable[CriterionItem]) -> list[Any]:
    """Items as nested lists, for readable assertion failures."""
    return [(item.text, _tree(item.children)) if item.children else item.text for item in items]


def _section(parsed: ParsedCriteria, index: int) -> CriteriaSection:
    return parsed.sections[index]


# --- targeted examples, modelled on real records -------------------------------------------------


def test_standard_ctgov_layout() -> None:  # NCT00410098
    text = "Inclusion Criteria:\n\n* controlled asthma\n* age 18-30\n\nExclusion Criteria:\n\n* smoker\n"
    parsed = parse_criteria(text)
    assert [(s.kind, s.heading) for s in parsed.sections] == [
        ("inclusion", "Inclusion Criteria"),
        ("exclusion", "Exclusion Criteria"),
    ]
    assert _tree(parsed.inclusion) == ["controlled asthma", "age 18-30"]
    assert _tree(parsed.exclusion) == ["smoker"]
    assert parsed.is_structured
    assert parsed.raw == text


@pytest.mark.parametrize(
    ("heading_line", "kind", "heading"),
    [
        ("INCLUSION CRITERIA", "inclusion", "INCLUSION CRITERIA"),  # NCT04573062
        ("Key Inclusion Criteria:", "inclusion", "Key Inclusion Criteria"),  # NCT02210780
        ("Key Exclusion Criteria :", "exclusion", "Key Exclusion Criteria"),  # NCT05005351
        ("Inclusion criteria for Phase A:", "inclusion", "Inclusion criteria for Phase A"),  # NCT04573062
        ("Inclusion:", "inclusion", "Inclusion"),  # NCT02856893
        ("Exclusion", "exclusion", "Exclusion"),  # NCT04066959
        ("* Inclusion Criteria:", "inclusion", "Inclusion Criteria"),  # NCT05161130
        ("• Exclusion Criteria:", "exclusion", "Exclusion Criteria"),  # NCT05464836
        ("**Inclusion Criteria**", "inclusion", "Inclusion Criteria"),  # bold, as other registries write it
        ("**Exclusion Criteria:**", "exclusion", "Exclusion Criteria"),
        ("### Exclusion criteria", "exclusion", "Exclusion criteria"),
        ("III.6 EXCLUSION CRITERIA", "exclusion", "III.6 EXCLUSION CRITERIA"),  # NCT05266716
        ("Inclusion Criteria (Patients):", "inclusion", "Inclusion Criteria (Patients)"),  # NCT04385758
        ("Inclusion Criteriar:", "inclusion", "Inclusion Criteriar"),  # typo as written in the bulk data
        (
            "Exclusion criteria for biomarkers substudy (50% of patients in each study arm):",
            "exclusion",
            "Exclusion criteria for biomarkers substudy (50% of patients in each study arm)",
        ),
    ],
)
def test_heading_spellings(heading_line: str, kind: str, heading: str) -> None:
    parsed = parse_criteria(f"{heading_line}\n\n* first item\n* second item")
    assert [(s.kind, s.heading) for s in parsed.sections] == [(kind, heading)]
    assert _tree(parsed.sections[0].items) == ["first item", "second item"]


@pytest.mark.parametrize(
    "line",
    [
        "* Patient meets the inclusion criteria for trial entry",  # NCT02724163
        "* Patients meeting any of the following exclusion criteria will be excluded",
        "* Other protocol-defined inclusion/exclusion criteria apply",  # NCT04431453
        "* Further inclusion criteria apply.",  # NCT05827016
        "* Inclusion criteria is willingness to consent and be of age 18 and older",  # bulk, cluster headache
        "* Not meeting all of the inclusion criteria",
        "* Use of exclusionary concomitant medications",
        "* Stroke (\\<1 year from inclusion)",
        "* fMRI exclusion only: Any factors that would prevent participation in fMRI",
    ],
)
def test_sentences_mentioning_criteria_are_items_not_headings(line: str) -> None:
    parsed = parse_criteria(f"Exclusion Criteria:\n\n* Pregnancy\n{line}\n* Smoking")
    assert len(parsed.sections) == 1
    assert _tree(parsed.exclusion) == ["Pregnancy", line[2:], "Smoking"]


def test_bullet_glyphs() -> None:  # NCT03828656 (-), NCT05921903 (•), NCT00220935 (·), NCT01359631 (•X)
    text = "Inclusion Criteria:\n\n- dash\n+ plus\n• dot\n· middle dot\n•Subject enrolled\n-Acute leukaemia\n"
    assert _tree(parse_criteria(text).inclusion) == [
        "dash",
        "plus",
        "dot",
        "middle dot",
        "Subject enrolled",
        "Acute leukaemia",
    ]


def test_numbered_and_lettered_bullets_nest() -> None:  # NCT04207047, NCT05850520, NCT06004388
    text = (
        "Exclusion Criteria:\n\n"
        "1. History or current use of the following medications:\n\n"
        "   1. Daily anticoagulants;\n"
        "   2. Topical retinoid; and\n"
        "2) Prior treatment of the fellow eye:\n\n"
        "  a. Gene therapy.\n"
        "  (b) Cell therapy.\n"
        "     i. ex vivo\n"
        "     ii) in vivo\n"
        "     iv. other\n"
    )
    assert _tree(parse_criteria(text).exclusion) == [
        ("History or current use of the following medications:", ["Daily anticoagulants;", "Topical retinoid; and"]),
        ("Prior treatment of the fellow eye:", ["Gene therapy.", ("Cell therapy.", ["ex vivo", "in vivo", "other"])]),
    ]


def test_sub_bullets_under_numbered_items_with_little_indentation() -> None:  # NCT02814825, shallower
    text = "Inclusion Criteria:\n\n1. At least one of:\n  * cervical spondylosis\n  * disc disease\n10. Adult\n"
    assert _tree(parse_criteria(text).inclusion) == [
        ("At least one of:", ["cervical spondylosis", "disc disease"]),
        "Adult",
    ]


def test_four_space_nesting_and_deep_levels() -> None:  # NCT05798663 (7-space third level)
    text = "Inclusion Criteria:\n\n* a\n    * b\n        * c\n            * d\n    * e\n* f"
    assert _tree(parse_criteria(text).inclusion) == [("a", [("b", [("c", ["d"])]), "e"]), "f"]


def test_wrapped_and_continuation_lines() -> None:  # NCT01792817, NCT02814825
    text = (
        "Inclusion Criteria:\n\n"
        "1. Has been diagnosed with cluster headache, in accordance with the ICHD-2\n\n"
        "   Classification criteria (2ndEd):\n"
        "2. Willing to keep\n"
        "a diary\n"
        "   every day\n"
    )
    assert _tree(parse_criteria(text).inclusion) == [
        "Has been diagnosed with cluster headache, in accordance with the ICHD-2 Classification criteria (2ndEd):",
        "Willing to keep a diary every day",
    ]


def test_continuation_after_children_becomes_child() -> None:  # NCT04573062 ("OR" between sub-lists)
    text = "Inclusion Criteria:\n\n1. Any of:\n   1. PCR test\n   2. Antigen test\n\n   OR\n\n   Antibody test"
    children = ["PCR test", "Antigen test", "OR", "Antibody test"]
    assert _tree(parse_criteria(text).inclusion) == [("Any of:", children)]


def test_intro_paragraph_before_items() -> None:  # NCT02814825
    text = (
        "Exclusion Criteria:\n\n"
        "Candidates who meet ANY of the following exclusion criteria are not considered eligible:\n\n"
        "1. Posterior instrumentation\n2. Spine trauma\n"
    )
    section = parse_criteria(text).sections[0]
    assert section.kind == "exclusion"
    assert section.intro == (
        "Candidates who meet ANY of the following exclusion criteria are not considered eligible:",
    )
    assert _tree(section.items) == ["Posterior instrumentation", "Spine trauma"]


def test_paragraph_after_items_is_an_item() -> None:  # NCT05850520
    text = "Inclusion Criteria:\n\n* Adult\n* Macular edema\n\nDecrease in BCVA due to RVO.\n\n* Mean CST >= 300"
    assert _tree(parse_criteria(text).inclusion) == [
        "Adult",
        "Macular edema",
        "Decrease in BCVA due to RVO.",
        "Mean CST >= 300",
    ]


def test_sub_headings_become_parent_items() -> None:  # NCT00712335, NCT02856893, NCT05907980
    text = (
        "Inclusion Criteria:\n\nAsthmatics:\n\n* history of asthma\n* FEV1 60-85%\n\n"
        "Smokers:\n\n* 1/2 to 2 packs a day\n\n"
        "Exclusion Criteria:\n\n* pregnancy\n\n\\[Expansion Part\\]\n\n* prior Treg depletion\n"
    )
    parsed = parse_criteria(text)
    assert _tree(parsed.inclusion) == [
        ("Asthmatics:", ["history of asthma", "FEV1 60-85%"]),
        ("Smokers:", ["1/2 to 2 packs a day"]),
    ]
    assert _tree(parsed.exclusion) == ["pregnancy", ("\\[Expansion Part\\]", ["prior Treg depletion"])]
    assert all(not s.intro for s in parsed.sections)


def test_sub_heading_with_keyword_starts_a_new_section_even_when_indented() -> None:  # NCT02814825, NCT06331169
    text = (
        "Exclusion Criteria:\n\n1. Known sensitivity\n\n    Intraoperative exclusion criteria:\n"
        "2. Implants not compatible\n"
    )
    parsed = parse_criteria(text)
    assert [(s.kind, s.heading, _tree(s.items)) for s in parsed.sections] == [
        ("exclusion", "Exclusion Criteria", ["Known sensitivity"]),
        ("exclusion", "Intraoperative exclusion criteria", ["Implants not compatible"]),
    ]
    assert _tree(parsed.exclusion) == ["Known sensitivity", "Implants not compatible"]


def test_text_after_heading_colon_is_content() -> None:  # NCT05997121, NCT01958125, NCT01892319
    parsed = parse_criteria(
        "Inclusion Criteria: - Informed consent\n\nExclusion Criteria: contra-indication\n\n* Fever"
    )
    assert _tree(parsed.inclusion) == ["Informed consent"]
    exclusion = _section(parsed, 1)
    assert (exclusion.heading, exclusion.intro, _tree(exclusion.items)) == (
        "Exclusion Criteria",
        ("contra-indication",),
        ["Fever"],
    )


def test_sections_without_bullets_get_one_item_per_paragraph() -> None:  # NCT04890327, NCT01100827
    text = (
        "Inclusion Criteria:\n\nNil\n\nExclusion Criteria:\n\n"
        "Subjects who cannot communicate in English.\n\nSubjects who were adopted\nand have no information.\n"
    )
    parsed = parse_criteria(text)
    assert _tree(parsed.inclusion) == ["Nil"]
    assert _tree(parsed.exclusion) == [
        "Subjects who cannot communicate in English.",
        "Subjects who were adopted and have no information.",
    ]


def test_escaped_numbers_stay_text() -> None:  # NCT04870190
    text = "Inclusion Criteria:\n\n1.18 ≤ age.\n\n3\\. Progressed after EGFR-TKI.\n\n4\\. RECIST 1.1 lesion.\n"
    assert _tree(parse_criteria(text).inclusion) == [
        "1.18 ≤ age.",
        "3\\. Progressed after EGFR-TKI.",
        "4\\. RECIST 1.1 lesion.",
    ]


def test_backslash_escapes_are_kept() -> None:  # NCT02552212
    parsed = parse_criteria("Inclusion Criteria:\n\n* BASDAI score \\>= 4\n* \\*see note \\[1\\]")
    assert _tree(parsed.inclusion) == ["BASDAI score \\>= 4", "\\*see note \\[1\\]"]


def test_no_headings_with_bullets() -> None:  # NCT05266716 (before its exclusion heading)
    text = "To be eligible, participants must:\n\n1. Be 18 years of age or older;\n2. Have MUD"
    parsed = parse_criteria(text)
    assert [(s.kind, s.heading, s.intro) for s in parsed.sections] == [
        ("other", None, ("To be eligible, participants must:",)),
    ]
    assert _tree(parsed.sections[0].items) == ["Be 18 years of age or older;", "Have MUD"]
    assert not parsed.is_structured
    assert parsed.inclusion == () and parsed.exclusion == ()


def test_list_before_a_lone_exclusion_heading_is_inclusion() -> None:  # NCT03630471, NCT05329129
    text = "Eligibility criteria:\n\n* Enrolled as a student\n\nExclusion criteria:\n\n* Not providing assent"
    parsed = parse_criteria(text)
    assert [(s.kind, s.heading, s.intro) for s in parsed.sections] == [
        ("inclusion", None, ("Eligibility criteria:",)),
        ("exclusion", "Exclusion criteria", ()),
    ]
    assert _tree(parsed.inclusion) == ["Enrolled as a student"]
    assert _tree(parsed.exclusion) == ["Not providing assent"]


def test_no_headings_and_no_bullets() -> None:  # NCT06171568
    text = "Patients over 18 years old\nwith a planned surgery.\n\nNo other criteria."
    parsed = parse_criteria(text)
    assert parsed.sections == (
        CriteriaSection(
            "other", None, ("Patients over 18 years old with a planned surgery.", "No other criteria."), ()
        ),
    )


def test_empty_bullets_are_dropped_and_children_kept() -> None:  # NCT04207047, NCT05958095
    parsed = parse_criteria("Inclusion Criteria:\n\n* a\n\n  -\n\nExclusion Criteria:\n\n-\n  * orphan")
    assert _tree(parsed.inclusion) == ["a"]
    assert _tree(parsed.exclusion) == ["orphan"]


def test_crlf_tabs_and_control_characters() -> None:
    text = "Inclusion Criteria:\r\n\r\n*\tadult\r\n\t* child\x00item\r\rExclusion Criteria:\r* none\x0b"
    parsed = parse_criteria(text)
    assert _tree(parsed.inclusion) == [("adult", ["child\x00item"])]
    assert _tree(parsed.exclusion) == ["none"]


@pytest.mark.parametrize("text", [None, "", "   ", "\n\n\t\r\n"])
def test_blank_input(text: str | None) -> None:
    parsed = parse_criteria(text)
    assert parsed.sections == ()
    assert parsed.raw == (text or "")
    assert not parsed.is_structured


@pytest.mark.parametrize("text", ["*", "1.", "-\n-", "**", "---"])
def test_marker_only_input_is_kept(text: str) -> None:
    parsed = parse_criteria(text)
    assert parsed.sections and any(s.intro or s.items for s in parsed.sections)


def test_very_deep_nesting_is_flattened_without_error() -> None:
    text = "\n".join(" " * depth + "* level" for depth in range(2000))
    parsed = parse_criteria(text)
    depth, items = 0, parsed.sections[0].items
    while items:
        depth, items = depth + 1, items[0].children
    assert 1 < depth <= 40
    assert_preserved(text, parsed)


# --- property tests ----------------------------------------------------------------------------------

SAFE_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8)
ITEM_TEXT = st.lists(SAFE_WORD, min_size=1, max_size=6).map(" ".join)


def _items(depth: int) -> st.SearchStrategy[tuple[CriterionItem, ...]]:
    children = st.just(()) if depth >= 3 else st.just(()) | _items(depth + 1)
    return st.lists(st.builds(CriterionItem, ITEM_TEXT, children), min_size=1, max_size=4 - depth).map(tuple)


def _render(items: tuple[CriterionItem, ...], data: st.DataObject, column: int = 0) -> list[str]:
    style = data.draw(st.sampled_from(["*", "-", "1."]))
    step = data.draw(st.sampled_from([2, 4]))
    lines: list[str] = []
    for number, item in enumerate(items, start=1):
        marker = f"{number}." if style == "1." else style
        if data.draw(st.booleans()) and lines:
            lines.append("")
        lines.append(f"{' ' * column}{marker} {item.text}")
        if item.children:
            lines.extend(_render(item.children, data, column + step))
    return lines


@PROPERTY
@given(st.text())
def test_never_raises_and_never_empty(text: str) -> None:
    parsed = parse_criteria(text)
    assert parsed.raw == text
    if text.strip():
        assert any(s.heading or s.intro or s.items for s in parsed.sections)
    else:
        assert parsed.sections == ()


@PROPERTY
@given(inclusion=_items(0), exclusion=_items(0), data=st.data())
def test_round_trip(
    inclusion: tuple[CriterionItem, ...], exclusion: tuple[CriterionItem, ...], data: st.DataObject
) -> None:
    text = "\n".join(
        ["Inclusion Criteria:", "", *_render(inclusion, data), "", "Exclusion Criteria:", "", *_render(exclusion, data)]
    )
    parsed = parse_criteria(text)
    assert [s.kind for s in parsed.sections] == ["inclusion", "exclusion"]
    assert parsed.inclusion == inclusion
    assert parsed.exclusion == exclusion


CRITERIA_LINE = st.tuples(
    st.sampled_from(["", " ", "  ", "   ", "    ", "\t", "       "]),
    st.sampled_from(
        ["", "* ", "- ", "+ ", "• ", "•", "o ", "1. ", "12) ", "a. ", "(b) ", "iv. ", "3\\. ", "**", "### "]
    ),
    st.sampled_from(
        [
            "",
            "Inclusion Criteria:",
            "EXCLUSION CRITERIA",
            "Key Exclusion Criteria :",
            "Inclusion criteria for Part A: age",
            "Exclusion:",
            "Part A:",
            "\\[Expansion Part\\]",
            "Other inclusion/exclusion criteria apply",
        ]
    ),
    st.text(max_size=30),
).map("".join)


@PROPERTY
@given(st.lists(CRITERIA_LINE, max_size=25).map("\n".join) | st.text())
def test_text_is_preserved(text: str) -> None:
    assert_preserved(text, parse_criteria(text))


# --- real records ----------------------------------------------------------------------------------


def _studies(path: Path) -> list[dict[str, Any]]:
    raw = path.read_bytes()
    data = json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)
    if isinstance(data, dict):
        return data.get("studies", [data])
    return data


def _criteria(study: dict[str, Any]) -> str | None:
    return study.get("protocolSection", {}).get("eligibilityModule", {}).get("eligibilityCriteria")


def _record_names() -> list[str]:
    return sorted(p.name for p in RECORDS.glob("*.json")) or ["<no records found>"]


def test_the_real_records_are_in_the_repository() -> None:
    assert len(list(RECORDS.glob("NCT*.json"))) == 67, f"expected the 67 demo records in {RECORDS}"
    assert len(list(BULK.glob("*.json.gz"))) == 20, f"expected the 20 gzipped bulk files in {BULK}"


@pytest.mark.parametrize("name", _record_names())
def test_real_record(name: str) -> None:
    path = RECORDS / name
    assert path.is_file(), f"real ClinicalTrials.gov records missing: expected {RECORDS}/*.json"
    studies = _studies(path)
    assert studies, f"{name} holds no study"
    for study in studies:
        text = _criteria(study)
        parsed = parse_criteria(text)
        assert_preserved(text or "", parsed)
        if text and _has_heading(text, "inclusion") and _has_heading(text, "exclusion"):
            assert parsed.inclusion, f"{name}: no inclusion items"
            assert parsed.exclusion, f"{name}: no exclusion items"
            assert parsed.is_structured


def test_bulk_records() -> None:
    files = sorted(BULK.glob("*.json.gz"))
    assert files, f"bulk ClinicalTrials.gov files missing: expected {BULK}/*.json.gz"
    parsed_count = 0
    for path in files:
        for study in _studies(path):
            text = _criteria(study)
            if text is None:
                continue
            assert_preserved(text, parse_criteria(text))
            parsed_count += 1
    assert parsed_count > 800
