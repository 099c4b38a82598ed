"""The JSON API: the same search as /trials, one trial's normalised record, and its OpenAPI description."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from portal.extensions import db
from portal.models import Trial

ALL_STATUSES = [("status", s) for s in ("RECRUITING", "NOT_YET_RECRUITING", "COMPLETED", "ACTIVE_NOT_RECRUITING")]


def test_search_returns_the_same_trials_as_the_search_page(client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT04012996", "NCT06823401", "NCT05551195", "NCT02814825")
    body = client.get("/api/v1/trials", query_string=[("q", "cervical disc"), *ALL_STATUSES]).get_json()
    assert body["total"] >= 1 and body["results"][0]["nct_id"] == "NCT04012996"
    hit = body["results"][0]
    assert hit["url"] == "https://trials.example.org/trials/NCT04012996"
    assert hit["reasons"] and any("Condition" in reason for reason in hit["reasons"])
    page = client.get("/trials", query_string=[("q", "cervical disc"), *ALL_STATUSES]).get_data(as_text=True)
    for result in body["results"]:
        assert f"/trials/{result['nct_id']}" in page
    assert {"status", "phase", "type"} <= set(body["facets"])


def test_distance_search_gives_the_nearest_recruiting_site(client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT04012996")
    body = client.get("/api/v1/trials", query_string={"near": "90210", "within": "100", "unit": "mi"}).get_json()
    [hit] = body["results"]
    assert hit["nearest_site"]["unit"] == "mi" and hit["nearest_site"]["distance"] < 100


def test_ages_are_given_in_years_to_two_places(client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT05326594")  # 18 Months to 50 Years
    record = client.get("/api/v1/trials/NCT05326594").get_json()
    assert (record["eligibility"]["minimum_age_years"], record["eligibility"]["maximum_age_years"]) == (1.5, 50)


def test_pagination_and_page_size(client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT04012996", "NCT06823401", "NCT05551195", "NCT02814825", "NCT00410098")
    first = client.get("/api/v1/trials", query_string=[("per_page", "2"), *ALL_STATUSES]).get_json()
    second = client.get("/api/v1/trials", query_string=[("per_page", "2"), ("page", "2"), *ALL_STATUSES]).get_json()
    assert first["per_page"] == 2 and first["pages"] == -(-first["total"] // 2)
    assert len(first["results"]) == 2
    assert not {h["nct_id"] for h in first["results"]} & {h["nct_id"] for h in second["results"]}


def test_bad_parameters_get_a_400_naming_them(client: FlaskClient) -> None:
    response = client.get("/api/v1/trials", query_string={"age": "200", "per_page": "1000", "phase": "PHASE9"})
    assert response.status_code == 400
    assert set(response.get_json()["fields"]) == {"age", "per_page", "phase"}


def test_one_trial_is_our_normalised_record(app: Flask, client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT04012996")
    record = client.get("/api/v1/trials/nct04012996").get_json()
    assert record["nct_id"] == "NCT04012996"
    assert record["conditions"] == ["Symptomatic Cervical Disc Disease"]
    assert record["eligibility"]["inclusion"] and record["eligibility"]["exclusion"]
    assert len(record["sites"]) == 33 and record["sites"][0]["latitude"] is not None
    assert "contacts" not in record["sites"][0]  # site staff details stay on the page, not in bulk data
    assert (record["eligibility"]["minimum_age_years"], record["eligibility"]["maximum_age_years"]) == (18, 69)
    assert client.get("/api/v1/trials/NCT99999999").status_code == 404
    with app.app_context():
        db.session.execute(update(Trial).values(hidden=True))
        db.session.commit()
    assert client.get("/api/v1/trials/NCT04012996").status_code == 404
    assert client.get("/api/v1/trials").get_json()["total"] == 0


def test_the_openapi_file_is_served_and_limits_answer_in_json(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and "/api/v1/trials/{nct_id}" in spec["paths"]
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "2 per minute")
    statuses = [client.get("/api/v1/trials").status_code for _ in range(3)]
    limited = client.get("/api/v1/trials")
    assert statuses == [200, 200, 429] and limited.is_json and "error" in limited.get_json()
