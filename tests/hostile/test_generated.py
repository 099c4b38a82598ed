"""Hypothesis on top of the corpus: any text in any search parameter or note field gets an answer below 500."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile.corpus import json_body, query
from tests.hostile.test_corpus import SEARCH_PARAMETERS, TRIAL, Probe, json_post
from tests.notes.helpers import NOTE


@pytest.fixture
def trial_imported(import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)


# Every code point, surrogates and NUL included.
ANY_TEXT = st.text(alphabet=st.characters(codec=None, min_codepoint=0), max_size=60)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(parameter=st.sampled_from([*SEARCH_PARAMETERS, "per_page"]), value=ANY_TEXT)
def test_any_search_value(app: Flask, client: FlaskClient, parameter: str, value: str) -> None:
    probe = Probe(app)
    probe.check("search", client.get, f"/trials?{query({'q': 'knee', parameter: value})}")
    api = probe.check("api", client.get, f"/api/v1/trials?{query({parameter: value})}")
    assert api.is_json
    probe.assert_clean()


@SETTINGS
@given(field=st.sampled_from(["quote", "note", "section", "section_title"]), value=ANY_TEXT)
def test_any_note_text(app: Flask, client: FlaskClient, trial_imported: None, field: str, value: str) -> None:
    probe = Probe(app)
    body = json_body({"nct_id": TRIAL, "notes": [{**NOTE, field: value}], "days": 7})
    response = probe.check("share", json_post, client, "/notes/shares", body)
    assert response.is_json and response.status_code in {201, 400, 404, 422}
    probe.assert_clean()
