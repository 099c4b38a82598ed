"""Spanish and Chinese condition names find English-language trials, whatever the page's language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.search import translated
from portal.search.filters import synonym_queries
from portal.search.translated import load_names, translated_conditions

BREAST_CANCER_TRIAL = "NCT02663973"  # a breast cancer trial among the demo records
NAMES = {
    "es": {"breast cancer": ["cáncer de mama", "cáncer de seno"], "cancer": ["cáncer"], "asthma": ["asma"]},
    "zh_Hans": {"breast cancer": ["乳腺癌", "乳癌"], "cancer": ["癌症", "癌"], "asthma": ["哮喘"]},
}


@pytest.fixture
def names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Small data files of the real files' shape, so these tests do not depend on every translated name."""
    for locale, mapping in NAMES.items():
        (tmp_path / f"conditions.{locale}.json").write_text(
            json.dumps({"about": {"locale": locale}, "names": mapping}, ensure_ascii=False), encoding="utf-8"
        )
    monkeypatch.setattr(translated, "load_names", lambda directory=tmp_path: load_names(directory))
    return tmp_path


def test_spanish_names_are_matched_as_whole_words_accents_and_case_folded(names: Path) -> None:
    assert translated_conditions("cáncer de mama") == ["breast cancer"]
    assert translated_conditions("CANCER DE MAMA en Chicago") == ["breast cancer"]  # the longest name wins
    assert translated_conditions("Cáncer de seno") == ["breast cancer"]
    assert translated_conditions("asma y cáncer") == ["asthma"]  # "cáncer" is searched for as typed
    assert translated_conditions("mamas") == []
    # A name spelled like its English condition ("cáncer", "cancer") adds nothing to an English query.
    assert translated_conditions("breast cancer") == [] and translated_conditions("cancer") == []


def test_chinese_names_are_found_without_word_splitting(names: Path) -> None:
    assert translated_conditions("乳腺癌") == ["breast cancer"]
    assert translated_conditions("乳腺癌临床试验") == ["breast cancer"]  # the name inside a longer query
    assert translated_conditions("我有哮喘") == ["asthma"]
    assert translated_conditions("乳 腺 癌") == ["breast cancer"]  # spaces typed between characters
    assert translated_conditions("肺炎") == []


def test_a_translated_query_is_searched_as_its_english_condition_and_its_synonyms(names: Path) -> None:
    alternatives = synonym_queries("cáncer de mama")
    assert alternatives[0] == "breast cancer" and len(alternatives) > 1  # with the English synonyms of breast cancer


def test_postgresql_stems_let_spanish_inflections_match(names: Path) -> None:
    """The `spanish` configuration's lexemes, as PostgreSQL gives them (a stand-in reader with its output)."""
    stems = {"cancer de mama": {"canc", "mam"}, "cancer de seno": {"canc", "sen"}, "cancer": {"canc"},
             "asma": {"asma"}, "canceres de la mama": {"canc", "mam"}}

    def lexemes(texts: list[str]) -> list[frozenset[str]]:
        return [frozenset(stems.get(text, set(text.split()))) for text in texts]

    translated._STEMMED.clear()
    assert translated_conditions("cánceres de la mama") == []  # no whole-word match without the stemmer
    assert translated_conditions("cánceres de la mama", lexemes) == ["breast cancer"]


@pytest.mark.parametrize("page_language", ["en", "es", "zh-Hans"])
@pytest.mark.parametrize("query", ["cáncer de mama", "乳腺癌"])
def test_a_search_in_spanish_or_chinese_finds_breast_cancer_trials(
    app: Flask, client: FlaskClient, import_demo, names: Path, page_language: str, query: str  # type: ignore[no-untyped-def]
) -> None:
    import_demo(BREAST_CANCER_TRIAL, "NCT04012996")
    # Any status ("filtered" with no status ticked): the breast cancer trial has completed.
    args = {"q": query, "lang": page_language, "filtered": "1"}
    html = client.get("/trials", query_string=args).get_data(as_text=True)
    assert f"/trials/{BREAST_CANCER_TRIAL}" in html
    assert "/trials/NCT04012996" not in html


def test_the_repositorys_own_name_files_cover_the_most_frequent_conditions() -> None:
    """Needs portal/search/data/conditions.es.json and conditions.zh_Hans.json (written by the translators)."""
    files = {path.name for path in translated.data_files()}
    assert {"conditions.es.json", "conditions.zh_Hans.json"} <= files
    load_names.cache_clear()
    assert translated_conditions("cáncer de mama")[0] == "breast cancer"
    assert translated_conditions("乳腺癌")[0] == "breast cancer"
