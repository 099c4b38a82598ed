"""Hybrid search: a lay query finds trials by meaning that full text misses, and the filters still hold exactly."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from portal.embeddings.runtime import get_embedder, set_embedder
from portal.extensions import db
from portal.search.service import SearchPage, parse_search_args, search_trials
from tests.embeddings.conftest import RecordingEmbedder, import_and_embed

# Conditions "Hyperglycemia; Diabete Mellitus" (the registry's spelling): full text has neither "sugar" nor
# "diabetes", but the meaning is plain.
GLUCOSE_AFTER_PANCREATECTOMY = "NCT04409171"
MEANING_LABEL = "Matched by meaning with a language model that runs on this site; no data leaves it."


def search(app: Flask, **args: str) -> SearchPage:
    query, errors = parse_search_args(MultiDict({"filtered": "1", **args}))
    assert not errors
    with app.app_context():
        return search_trials(db.session, replace(query, per_page=100))


def full_text_only(app: Flask, monkeypatch: pytest.MonkeyPatch, **args: str) -> SearchPage:
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "SEMANTIC_SEARCH", False)
        return search(app, **args)


@pytest.fixture
def demo(app: Flask, embedder: RecordingEmbedder) -> None:
    import_and_embed(app)


def ids(page: SearchPage) -> list[str]:
    return [hit.nct_id for hit in page.hits]


def test_a_lay_query_finds_by_meaning_what_full_text_misses(
    app: Flask, demo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    text_only = full_text_only(app, monkeypatch, q="sugar diabetes")
    hybrid = search(app, q="sugar diabetes")
    assert GLUCOSE_AFTER_PANCREATECTOMY not in ids(text_only)
    assert GLUCOSE_AFTER_PANCREATECTOMY in ids(hybrid)
    # Everything full text found is still there, and the total counts what the page can show.
    assert set(ids(text_only)) <= set(ids(hybrid))
    assert hybrid.total == len(hybrid.hits) > text_only.total
    found = next(hit for hit in hybrid.hits if hit.nct_id == GLUCOSE_AFTER_PANCREATECTOMY)
    assert found.by_meaning and found.reasons == ["Similar in meaning to your search"]
    assert hybrid.by_meaning
    # Trials found by meaning are about blood sugar: every hit names diabetes or glucose somewhere a patient reads.
    for hit in hybrid.hits:
        text = " ".join([hit.brief_title, *hit.conditions, hit.summary]).lower()
        assert any(word in text for word in ("diabet", "glucose", "glyc", "insulin")), hit.nct_id


def test_filters_apply_to_trials_found_by_meaning(app: Flask, demo: None) -> None:
    completed = search(app, q="sugar diabetes", status="COMPLETED")
    assert GLUCOSE_AFTER_PANCREATECTOMY in ids(completed)  # a completed trial
    assert {hit.overall_status for hit in completed.hits} == {"COMPLETED"}
    assert completed.facets["status"]  # counts include the trials found by meaning
    counts = {code: n for code, _, n in completed.facets["status"]}
    assert counts["COMPLETED"] == completed.total

    recruiting = search(app, q="sugar diabetes", status="RECRUITING")
    assert GLUCOSE_AFTER_PANCREATECTOMY not in ids(recruiting)
    assert all(hit.overall_status == "RECRUITING" for hit in recruiting.hits)
    # Age: the pancreatectomy trial gives no age limits; the cystic fibrosis one takes 12 to 24 years.
    for age, kept, left_out in (("30", GLUCOSE_AFTER_PANCREATECTOMY, "NCT00763412"), ("15", "NCT00763412", None)):
        page = search(app, q="sugar diabetes", status="COMPLETED", age=age)
        assert kept in ids(page)
        if left_out:
            assert left_out not in ids(page)
        for hit in page.hits:
            assert hit.eligibility_given


def test_the_search_page_says_how_a_trial_matched_by_meaning(client: FlaskClient, demo: None) -> None:
    response = client.get("/trials", query_string={"q": "sugar diabetes", "filtered": "1"})
    assert response.status_code == 200
    html = response.text
    assert MEANING_LABEL in html
    assert "Why it matched: Similar in meaning to your search" in html
    plain = client.get("/trials", query_string={"q": "NSCLC osimertinib", "filtered": "1"}).text
    assert "Similar in meaning to your search" not in plain or MEANING_LABEL in plain


def test_search_falls_back_to_full_text_when_the_model_is_missing(
    app: Flask, demo: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path
) -> None:
    expected = ids(full_text_only(app, monkeypatch, q="sugar diabetes"))
    app.extensions.pop("embedding_model", None)
    monkeypatch.setitem(app.config, "EMBEDDING_MODEL_PATH", str(tmp_path / "missing.onnx"))
    with caplog.at_level(logging.WARNING, logger="portal.embeddings.runtime"):
        first = search(app, q="sugar diabetes")
        second = search(app, q="sugar diabetes", status="COMPLETED")
        with app.app_context():
            assert get_embedder() is None
    assert ids(first) == expected
    assert not first.by_meaning and not second.by_meaning
    warnings = [r for r in caplog.records if "matching by meaning is off" in r.getMessage()]
    assert len(warnings) == 1
    assert "missing.onnx" in warnings[0].getMessage()


def test_a_spanish_condition_name_is_read_by_the_model_as_its_english_condition(
    app: Flask, demo: None, embedder: RecordingEmbedder
) -> None:
    """The model knows English only: "azúcar alta en la sangre" reaches it as the English conditions it names, so
    what it adds is about diabetes, not whatever the Spanish words look like to it."""
    embedder.texts_asked.clear()
    page = search(app, q="azúcar alta en la sangre")
    assert "azúcar alta en la sangre" not in embedder.texts_asked
    assert any("diabetes mellitus" in asked for asked in embedder.texts_asked)
    assert GLUCOSE_AFTER_PANCREATECTOMY in ids(page)


def test_chinese_text_with_no_known_name_is_left_to_full_text(
    app: Flask, demo: None, embedder: RecordingEmbedder
) -> None:
    embedder.texts_asked.clear()
    page = search(app, q="晚上睡不好觉")
    assert embedder.texts_asked == []
    assert not page.by_meaning and page.hits == []


def test_the_next_page_of_a_search_does_not_run_the_model_again(
    app: Flask, demo: None, embedder: RecordingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = search(app, q="trouble sleeping at night")
    asked = len(embedder.texts_asked)
    again = search(app, q="trouble sleeping at night", status="RECRUITING")
    assert len(embedder.texts_asked) == asked  # the same words: their vector was kept
    assert first.by_meaning and set(ids(again)) <= set(ids(first))
    search(app, q="trouble falling asleep")
    assert embedder.texts_asked[asked:] == ["trouble falling asleep"]
    # Turned off, every search asks the model.
    monkeypatch.setitem(app.config, "QUERY_VECTOR_CACHE", 0)
    set_embedder(app, embedder)
    search(app, q="trouble falling asleep")
    search(app, q="trouble falling asleep")
    assert embedder.texts_asked[asked + 1 :] == ["trouble falling asleep", "trouble falling asleep"]
