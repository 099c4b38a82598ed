"""The JSON API tells a partial copy's unknown eligibility from "no limit"."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import CTGOV_BULK, DEMO_TRIALS, import_files

PARTIAL_EXPORT = CTGOV_BULK / "dgarzon11__clinicaltrialsHFpEF__duchenne_studies_sample.json.gz"


def test_eligibility_says_whether_the_record_gave_it(app: Flask, client: FlaskClient) -> None:
    assert import_files(app, PARTIAL_EXPORT, DEMO_TRIALS / "NCT05631392.json").failed == 0
    partial = client.get("/api/v1/trials/NCT05412394").get_json()["eligibility"]
    assert partial["given"] is False and partial["sex"] is None and partial["minimum_age"] is None
    complete = client.get("/api/v1/trials/NCT05631392").get_json()["eligibility"]  # no age limit, open to all
    assert complete["given"] is True and complete["sex"] == "ALL" and complete["minimum_age"] is None

    hits = client.get("/api/v1/trials", query_string={"q": "NCT05412394 OR NCT05631392"}).get_json()["results"]
    assert {hit["nct_id"]: hit["eligibility_given"] for hit in hits} == {"NCT05412394": False, "NCT05631392": True}
    filtered = client.get("/api/v1/trials", query_string={"q": "NCT05412394 OR NCT05631392", "sex": "FEMALE"})
    assert [hit["nct_id"] for hit in filtered.get_json()["results"]] == ["NCT05631392"]
