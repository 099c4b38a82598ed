"""Absent is not "any": a partial copy of a record (dgarzon11's export keeps five modules) states nothing it never
gave, and says at the top that it is incomplete; a complete record keeps its real values and its "Any age"."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import CTGOV_BULK, DEMO_TRIALS, import_files
from tests.trials.page_items import stated_defaults
from tests.trials.test_page_truth import section, visible

PARTIAL_EXPORT = CTGOV_BULK / "dgarzon11__clinicaltrialsHFpEF__duchenne_studies_sample.json.gz"
INFANT_TRIAL = "NCT05412394"  # once-weekly corticosteroid for infants with Duchenne: recruiting, no eligibility module
NOT_GIVEN = "Not given in this copy of the record"


def partial_records() -> dict[str, dict[str, Any]]:
    studies = json.loads(gzip.decompress(PARTIAL_EXPORT.read_bytes()))
    return {s["protocolSection"]["identificationModule"]["nctId"]: s["protocolSection"] for s in studies}


@pytest.fixture
def partial_export(app: Flask) -> dict[str, dict[str, Any]]:
    summary = import_files(app, PARTIAL_EXPORT)
    assert (summary.created, summary.failed) == (427, 0), summary.errors
    return partial_records()


def header_text(html: str) -> str:
    return visible(html.split('<header class="trial-header">', 1)[1].split("</header>", 1)[0])


def test_the_infant_trial_says_its_ages_and_sex_are_not_given(
    client: FlaskClient, partial_export: dict[str, dict[str, Any]]
) -> None:
    protocol = partial_export[INFANT_TRIAL]
    assert "eligibilityModule" not in protocol and "descriptionModule" not in protocol
    html = client.get(f"/trials/{INFANT_TRIAL}").get_data(as_text=True)
    header = header_text(html)
    assert f"Ages: {NOT_GIVEN}" in header and f"Sex: {NOT_GIVEN}" in header
    eligibility = visible(section(html, "eligibility"))
    assert f"Ages {NOT_GIVEN}" in eligibility and f"Sex {NOT_GIVEN}" in eligibility
    assert "Healthy volunteers" not in eligibility
    assert f"{NOT_GIVEN}. See the full record on ClinicalTrials.gov" in eligibility
    assert f"{NOT_GIVEN}." in visible(section(html, "overview"))
    assert f"{NOT_GIVEN}." in visible(section(html, "locations"))

    text = visible(html)
    for default in ("Any age", "Sex: All", "Sex All", "has not given a summary", "No study locations are listed yet"):
        assert default not in text
    assert "has not listed eligibility criteria" not in text
    assert stated_defaults(text, protocol) == []


def test_the_infant_trial_says_at_the_top_that_this_copy_is_incomplete(
    client: FlaskClient, partial_export: dict[str, dict[str, Any]]
) -> None:
    html = client.get(f"/trials/{INFANT_TRIAL}").get_data(as_text=True)
    header = html.split('<header class="trial-header">', 1)[1].split("</header>", 1)[0]
    notice = header.split('<div class="notice record-notice" role="note">', 1)[1].split("</div>", 1)[0]
    assert header.index("record-notice") < header.index('class="trial-facts"')  # above the facts
    text = visible(notice)
    assert text.startswith("This copy of the record is incomplete. It does not give:")
    for part in ("the summary and description of the study", "who can take part: ages, sex and criteria"):
        assert part in text
    assert "the study sites and contacts" in text  # this copy has no contactsLocationsModule either
    assert "the sponsor" not in text and "the conditions studied" not in text  # those it gives
    assert f'<a href="https://clinicaltrials.gov/study/{INFANT_TRIAL}" rel="noopener">' in notice


def test_no_page_of_the_partial_export_states_a_default(
    client: FlaskClient, partial_export: dict[str, dict[str, Any]]
) -> None:
    """All 427 pages: no "Any age", "Sex: All", missing summary, criteria or locations they never gave; each has
    the notice."""
    problems = []
    for nct_id, protocol in partial_export.items():
        html = client.get(f"/trials/{nct_id}").get_data(as_text=True)
        text = visible(html)
        if claims := stated_defaults(text, protocol):
            problems.append(f"{nct_id}: {claims}")
        if "This copy of the record is incomplete." not in text:
            problems.append(f"{nct_id}: no incomplete-record notice")
    assert not problems, "\n".join(problems[:20])


def test_a_complete_record_keeps_its_real_values_and_has_no_notice(app: Flask, client: FlaskClient) -> None:
    import_files(app, DEMO_TRIALS / "NCT05631392.json", DEMO_TRIALS / "NCT04402008.json")
    any_age = client.get("/trials/NCT05631392").get_data(as_text=True)  # eligibility module, no age limit, ALL
    header = header_text(any_age)
    assert "Ages: Any age" in header and "Sex: All" in header
    assert "Healthy volunteers Not accepted" in visible(section(any_age, "eligibility"))
    assert "record-notice" not in any_age and NOT_GIVEN not in visible(any_age)

    limited = header_text(client.get("/trials/NCT04402008").get_data(as_text=True))
    assert "Ages: 20 years and older" in limited and "Sex: All" in limited


def test_a_complete_record_without_sites_still_says_none_are_listed(app: Flask, client: FlaskClient) -> None:
    """The contacts and locations module is there but lists no site: "none listed yet" is what the record says."""
    import_files(app, DEMO_TRIALS / "NCT06609317.json")
    locations = visible(section(client.get("/trials/NCT06609317").get_data(as_text=True), "locations"))
    assert "No study locations are listed yet." in locations


def test_a_record_without_its_sex_says_so_not_all(app: Flask, client: FlaskClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The eligibility module is there (so no age limit is "Any age") but the sex was left out of this copy."""
    record = json.loads((DEMO_TRIALS / "NCT05631392.json").read_text())
    study = record["studies"][0] if "studies" in record else record
    del study["protocolSection"]["eligibilityModule"]["sex"]
    path = tmp_path / "NCT05631392.json"
    path.write_text(json.dumps(study))
    assert import_files(app, path).failed == 0
    header = header_text(client.get("/trials/NCT05631392").get_data(as_text=True))
    assert f"Sex: {NOT_GIVEN}" in header and "Ages: Any age" in header
    assert "Sex: All" not in header
