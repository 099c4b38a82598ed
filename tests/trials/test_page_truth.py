"""The trial page tells the whole truth: what a study tests and who runs it, from the record, on real records."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import Trial
from tests.conftest import CTGOV_BULK, DEMO_TRIALS, import_files
from tests.trials.page_items import item_names, record_names, squash
from tests.trials.test_pages import read, study


def _all_study_objects() -> list[dict[str, Any]]:
    studies: list[dict[str, Any]] = []
    for path in sorted(DEMO_TRIALS.glob("*.json")):
        data = json.loads(path.read_text())
        studies.extend(data.get("studies", [data]))
    for path in sorted(CTGOV_BULK.glob("*.json.gz")):
        data = json.loads(gzip.decompress(path.read_bytes()))
        studies.extend(data if isinstance(data, list) else data.get("studies", [data]))
    return studies


def test_every_record_shows_what_it_tests_and_measures_and_claims_nothing_else(app: Flask, client: FlaskClient) -> None:
    """All repo records: each page lists exactly the record's interventions and primary outcomes, or none."""
    import_files(app, DEMO_TRIALS, CTGOV_BULK)
    with app.app_context():
        trials = db.session.execute(select(Trial.nct_id, Trial.raw)).all()
        db.session.remove()
    importable = {
        s["protocolSection"]["identificationModule"]["nctId"]
        for s in _all_study_objects()
        if (s["protocolSection"].get("statusModule") or {}).get("overallStatus")
    }
    assert {nct_id for nct_id, _ in trials} == importable

    problems: list[str] = []
    shown = {"interventions": 0, "primary outcomes": 0}
    for nct_id, raw in trials:
        protocol = raw["protocolSection"]
        html = client.get(f"/trials/{nct_id}").get_data(as_text=True)
        lists = item_names(html)
        expected = {
            "interventions": record_names(protocol, "armsInterventionsModule", "interventions", "name"),
            "outcomes outcomes--primary": record_names(protocol, "outcomesModule", "primaryOutcomes", "measure"),
            "outcomes outcomes--secondary": record_names(protocol, "outcomesModule", "secondaryOutcomes", "measure"),
        }
        for kind, names in expected.items():
            if lists.get(kind, []) != names:
                problems.append(f"{nct_id}: {kind} shown {lists.get(kind)!r}, record has {names!r}")
        shown["interventions"] += bool(expected["interventions"])
        shown["primary outcomes"] += bool(expected["outcomes outcomes--primary"])
    assert not problems, "\n".join(problems[:20])
    # The repo's records between them have both, and some lack them (partial-field exports).
    assert 0 < shown["interventions"] < len(trials)
    assert 0 < shown["primary outcomes"] < len(trials)


@pytest.fixture
def page_of(app: Flask, client: FlaskClient, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Import one study object (a real record, perhaps with a field changed) and return its page's HTML."""

    def _page(record: dict[str, Any]) -> str:
        path = tmp_path / "record.json"
        path.write_text(json.dumps(record))
        summary = import_files(app, path)
        assert summary.failed == 0, summary.errors
        nct_id = record["protocolSection"]["identificationModule"]["nctId"]
        return client.get(f"/trials/{nct_id}").get_data(as_text=True)

    return _page


def bulk_record(file_name: str, nct_id: str) -> dict[str, Any]:
    data = json.loads(gzip.decompress((CTGOV_BULK / file_name).read_bytes()))
    records = data if isinstance(data, list) else data.get("studies", [data])
    return next(r for r in records if r["protocolSection"]["identificationModule"]["nctId"] == nct_id)


def section(html: str, section_id: str) -> str:
    return html.split(f'<section id="{section_id}"', 1)[1].split("</section>", 1)[0]


def visible(html: str) -> str:
    return squash(" ".join(read(html).text))


def test_the_section_sits_between_the_overview_and_who_can_take_part(page_of) -> None:  # type: ignore[no-untyped-def]
    html = page_of(study("NCT04012996"))
    assert html.index('id="overview"') < html.index('id="testing"') < html.index('id="eligibility"')
    assert '<a href="#testing">What the study is testing</a>' in html
    testing = visible(section(html, "testing"))
    assert "What people in this study get" in testing
    assert "prodisc C SK and/or Vivo Type: Device" in testing
    assert "What they get: Mobi-C Cervical Disc" in testing
    assert "A computer decides by chance which group you are in (randomized)." in testing
    assert "You do not know which group you are in." in testing
    assert "Plans to enroll 390 people" in testing
    assert "Start: 5 August 2019 (actual)" in testing
    assert "Main results collected by: January 2023 (expected)" in testing
    assert "What the researchers will measure" in testing
    assert "When it is measured: 24 months" in testing


def test_more_than_three_secondary_outcomes_start_collapsed(page_of) -> None:  # type: ignore[no-untyped-def]
    testing = section(page_of(study("NCT02552212")), "testing")  # 20 secondary outcomes
    assert '<details class="more-outcomes">' in testing and "20 other results" in testing
    assert testing.index("outcomes--primary") < testing.index("<details")
    few = section(page_of(study("NCT04600544")), "testing")  # 3
    assert "<details" not in few and "Other results" in few


def test_an_observational_study_shows_its_population_instead_of_groups(page_of) -> None:  # type: ignore[no-untyped-def]
    record = study("NCT01100827")
    testing = visible(section(page_of(record), "testing"))
    population = record["protocolSection"]["eligibilityModule"]["studyPopulation"]
    assert "The people this study looks at" in testing
    assert squash(population)[:60] in testing
    assert "People are picked at random from a larger group (probability sample)." in testing
    assert "The groups in this study" not in testing
    assert "How groups are chosen" not in testing
    # It registered no outcomes (an old observational study need not): nothing is said about them.
    assert "What the researchers will measure" not in testing and "Not given" not in testing


def test_a_partial_copy_of_the_record_says_so_and_claims_nothing(page_of) -> None:  # type: ignore[no-untyped-def]
    record = study("NCT04012996")
    del record["protocolSection"]["armsInterventionsModule"]
    del record["protocolSection"]["outcomesModule"]
    testing = section(page_of(record), "testing")
    assert testing.count("Not given in this copy of the record.") == 2
    assert "study-items" not in testing

    # Nothing at all about what it tests (the status module stays: without it the importer refuses the record).
    del record["protocolSection"]["designModule"]
    status = record["protocolSection"]["statusModule"]
    del status["startDateStruct"], status["primaryCompletionDateStruct"]
    empty = visible(section(page_of(record), "testing"))
    assert "Not given in this copy of the record." in empty
    assert "See the full record on ClinicalTrials.gov" in empty


def test_html_encoded_registry_text_shows_the_character(page_of) -> None:  # type: ignore[no-untyped-def]
    record = bulk_record("ManagementBC__CT__dataset__ctg-studies.json.gz", "NCT03929601")
    assert "Leukocytes \\&lt;3,000/μL" in record["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    html = page_of(record)
    text = visible(section(html, "eligibility"))
    assert "Leukocytes <3,000/μL" in text
    assert "&lt;" not in text and "&amp;" not in html.split('id="eligibility"', 1)[1].split("</section>", 1)[0]


def test_registry_text_with_a_script_stays_inert(page_of) -> None:  # type: ignore[no-untyped-def]
    record = study("NCT04012996")
    arms = record["protocolSection"]["armsInterventionsModule"]
    arms["interventions"][0]["description"] = "\\&lt;script\\&gt;alert(1)\\&lt;/script\\&gt; <script>alert(2)</script>"
    arms["interventions"][0]["name"] = "&lt;script&gt;alert(3)&lt;/script&gt;"
    record["protocolSection"]["identificationModule"]["acronym"] = "<script>alert(4)</script>"
    html = page_of(record)
    testing = section(html, "testing")
    assert "<script" not in testing
    assert "alert(2)" not in testing
    text = visible(testing)
    assert "<script>alert(1)</script>" in text and "<script>alert(3)</script>" in text
    header = html.split("<header", 2)[2].split("</header>", 1)[0]
    assert "<script" not in header and "&lt;script&gt;alert(4)&lt;/script&gt;" in header


def test_an_open_trial_without_a_recruiting_site_shows_its_central_contacts(page_of) -> None:  # type: ignore[no-untyped-def]
    record = study("NCT06609317")  # not yet recruiting, no sites, one central contact
    html = page_of(record)
    assert 'id="contact"' not in html  # no form
    team = visible(section(html, "team"))
    assert "Contact the study team" in team
    assert "No study sites are listed yet, so there is no form to fill in here." in team
    contact = record["protocolSection"]["contactsLocationsModule"]["centralContacts"][0]
    assert contact["name"] in team and contact["phone"] in team
    assert f'<a href="mailto:{contact["email"]}">{contact["email"]}</a>' in html
    assert '<a class="button" href="#team">Contact the study team</a>' in html

    with_site = study("NCT06029816")  # not yet recruiting, one site without a status
    team = visible(section(page_of(with_site), "team"))
    assert "No site of this study is listed as recruiting yet" in team


def test_contacts_officials_and_the_acronym(page_of) -> None:  # type: ignore[no-untyped-def]
    html = page_of(study("NCT04012996"))
    assert '<span class="trial-header__acronym" lang="en">(SMART)</span>' in html.split("</h1>", 1)[0]
    team = section(html, "team")
    assert "People to contact about the study" in team and "People in charge of the study" in team
    assert '<a href="mailto:j.kuras@centinelspine.com">j.kuras@centinelspine.com</a>' in team
    assert '<a href="tel:4848878873">484.887.8873</a>' in team
    assert "Study director" in team and "Centinel Spine" in team
    assert "Contact the study team" not in visible(team)  # the form is the way in here
    # An extension as the record gives it.
    assert "01.49.95.81.69</a>, extension +33" in section(page_of(study("NCT06171568")), "team")


def test_an_acronym_already_in_the_title_is_not_repeated(page_of) -> None:  # type: ignore[no-untyped-def]
    record = study("NCT04012996")
    record["protocolSection"]["identificationModule"]["briefTitle"] += " (SMART)"
    assert "trial-header__acronym" not in page_of(record)
