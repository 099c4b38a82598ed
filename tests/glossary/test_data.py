"""The glossary's own data: enough words, each findable and linked, each written for a US grade 6-8 reader.

Reading grade: textstat's Flesch-Kincaid grade. On one or two sentences it moves a whole grade for a single long
word, so each definition may reach grade 8 (the top of the target) and the glossary as a whole must average
grade 6 or below. Flesch-Kincaid rather than textstat's consensus (text_standard): the consensus mixes in
measures (Dale-Chall, Gunning fog, SMOG) that are meant for passages of 30+ sentences, not one definition.
"""

from __future__ import annotations

import json
from statistics import mean

import textstat

from portal.glossary.matching import _case_sensitive, form_key, unambiguous_abbreviations
from portal.glossary.sources import (
    GLOSSARY_FILE,
    abbreviations,
    abbreviations_not_expanded,
    glossary,
    hpo_about,
    hpo_index,
    slugify,
)
from portal.search.synonyms import synonym_credits

MAX_GRADE = 8.0
MAX_MEAN_GRADE = 6.0
MUST_EXPLAIN = [
    "phase", "placebo", "randomized", "randomised", "blinded", "cohort", "study arm", "informed consent",
    "primary outcome", "ECOG performance status", "creatinine clearance", "childbearing potential", "washout",
    "measurable disease", "open-label", "double-blind", "adverse event", "inclusion criteria", "exclusion criteria",
    "RECIST", "C-SSRS", "R0 resection", "Phase: Not applicable",
]  # fmt: skip


def test_the_glossary_has_at_least_150_terms_each_with_a_definition() -> None:
    terms = glossary().terms
    assert len(terms) >= 150
    for term in terms:
        assert term.term.strip() and term.definition.strip(), term
        assert term.definition.endswith((".", '"', "?")), f"{term.term}: a definition is whole sentences"
        assert term.forms, f"{term.term} has nothing to match on a page"


def test_every_definition_reads_at_grade_8_or_below() -> None:
    grades = {term.term: textstat.flesch_kincaid_grade(term.definition) for term in glossary().terms}
    too_hard = {name: grade for name, grade in grades.items() if grade > MAX_GRADE}
    assert too_hard == {}
    assert mean(grades.values()) <= MAX_MEAN_GRADE


def test_the_words_patients_ask_about_are_there() -> None:
    matcher_keys = {}
    for term in glossary().terms:
        for form in term.forms:
            matcher_keys[form_key(form, _case_sensitive(form))] = term.slug
    missing = [word for word in MUST_EXPLAIN if form_key(word, _case_sensitive(word)) not in matcher_keys]
    assert missing == []


def test_slugs_forms_and_see_also_are_consistent() -> None:
    data = json.loads(GLOSSARY_FILE.read_text(encoding="utf-8"))
    names = [item["term"] for item in data["terms"]]
    assert len({slugify(n) for n in names}) == len(names), "two terms share an anchor"
    owners: dict[str, str] = {}
    for term in glossary().terms:
        for see in term.see_also:
            assert see in glossary().by_slug and see != term.slug, (term.term, see)
        for form in term.forms:
            key = form_key(form, _case_sensitive(form))
            assert owners.setdefault(key, term.slug) == term.slug, f"{form!r} belongs to two terms"


def test_the_hpo_file_is_the_version_the_about_page_credits() -> None:
    assert hpo_about()["version"] == synonym_credits()["hpo"]["version"]
    assert hpo_about()["licence"].startswith("https://hpo.jax.org")
    assert hpo_index()["asthma"].id == "HP:0002099"


def test_abbreviations_keep_every_meaning_and_only_single_ones_are_expanded() -> None:
    assert len(abbreviations()["PT"]) > 1  # physical therapy, prothrombin time
    usable = unambiguous_abbreviations()
    assert "PT" not in usable and "ALL" not in usable
    assert usable["NYHA"] == "New York Heart Association"
    assert "IV" not in usable  # a stage or a Roman numeral as often as "intravenous"
    assert "ICF" in abbreviations() and "ICF" not in usable and "ICF" in abbreviations_not_expanded()
    assert "ECOG" not in usable  # a glossary word: the glossary explains it
