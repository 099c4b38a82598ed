"""What a reader sees on the trial pages, for every demo record."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.ctgov.criteria import parse_criteria
from portal.extensions import db
from portal.faqs.services import seed_default_faqs
from tests.conftest import DEMO_TRIALS, import_files

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
RAW_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")  # a backslash before ASCII punctuation, e.g. \>= or \*


class VisibleText(HTMLParser):
    """Collects the text a reader sees, the JSON-LD blocks and the heading levels."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.json_ld: list[str] = []
        self.headings: list[int] = []
        self._in: str | None = None
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # What a `hidden` element holds (an explained word's definition before it is opened) is not seen.
        if tag not in VOID_TAGS and (self._hidden or any(name == "hidden" for name, _ in attrs)):
            self._hidden += 1
        if tag == "script":
            self._in = "json-ld" if ("type", "application/ld+json") in attrs else "script"
        elif tag in {"style", "title"}:
            self._in = tag
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))

    def handle_endtag(self, tag: str) -> None:
        if self._hidden:
            self._hidden -= 1
        if tag in {"script", "style", "title"}:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "json-ld":
            self.json_ld.append(data)
        elif self._in is None and not self._hidden:
            self.text.append(data)


def read(html: str) -> VisibleText:
    parser = VisibleText()
    parser.feed(html)
    return parser


def demo_ids() -> list[str]:
    return sorted(p.stem for p in DEMO_TRIALS.glob("NCT*.json"))


def _import_with_faqs(app: Flask, *paths: Path) -> None:
    summary = import_files(app, *paths)
    assert summary.failed == 0, summary.errors
    with app.app_context():
        seed_default_faqs(db.session)
        db.session.commit()


@pytest.fixture
def demo_trials(app: Flask) -> None:
    """All 67 demo records."""
    _import_with_faqs(app, DEMO_TRIALS)


@pytest.fixture
def some_trials(app: Flask) -> None:
    """A few records that between them show every part of a page."""
    _import_with_faqs(
        app, *(DEMO_TRIALS / f"{n}.json" for n in ("NCT04012996", "NCT04402008", "NCT04600544", "NCT04267848"))
    )


def study(nct_id: str) -> dict:  # type: ignore[type-arg]
    data = json.loads((DEMO_TRIALS / f"{nct_id}.json").read_text())
    return data["studies"][0] if "studies" in data else data


def test_every_demo_record_renders_cleanly(client: FlaskClient, demo_trials: None) -> None:
    problems: list[str] = []
    for nct_id in demo_ids():
        response = client.get(f"/trials/{nct_id}")
        if response.status_code != 200:
            problems.append(f"{nct_id}: status {response.status_code}")
            continue
        html = response.get_data(as_text=True)
        page = read(html)
        text = " ".join(page.text)
        if match := RAW_ESCAPE.search(text):
            problems.append(f"{nct_id}: raw escape {text[match.start() - 20 : match.end() + 20]!r}")
        for bad in ("None", "null", "{{", "}}", "&lt;br", "&lt;p&gt;"):
            if re.search(rf"(?<![\w-]){re.escape(bad)}(?![\w-])", text):
                problems.append(f"{nct_id}: shows {bad!r}")
        if page.headings.count(1) != 1:
            problems.append(f"{nct_id}: {page.headings.count(1)} h1 headings")
        if any(b - a > 1 for a, b in zip(page.headings, page.headings[1:], strict=False)):
            problems.append(f"{nct_id}: headings skip a level {page.headings}")
        criteria = study(nct_id)["protocolSection"].get("eligibilityModule", {}).get("eligibilityCriteria")
        parsed = parse_criteria(criteria)
        if parsed.inclusion and parsed.exclusion:
            for kind in ("inclusion", "exclusion"):
                if f"criteria-section--{kind}" not in html:
                    problems.append(f"{nct_id}: no {kind} list")
        if criteria and not parsed.is_structured and 'class="long-text"' not in html:
            problems.append(f"{nct_id}: unstructured criteria not shown")
    assert not problems, "\n".join(problems)


def test_the_header_says_status_ages_sex_phase_and_type(client: FlaskClient, some_trials: None) -> None:
    page = read(client.get("/trials/NCT04402008").get_data(as_text=True))  # PHASE1/PHASE2, 20 years and older
    text = " ".join(" ".join(page.text).split())
    assert "Terminated" in text
    assert "Ages: 20 years and older" in text
    assert "Sex: All" in text
    assert "Phase: Phase 1/2" in text
    assert "Study type: Interventional" in text

    observational = " ".join(" ".join(read(client.get("/trials/NCT04600544").get_data(as_text=True)).text).split())
    assert "Ages: 18 to 75 years" in observational
    assert "Phase:" not in observational
    assert "Recruiting" in observational


def test_eligibility_is_two_real_lists(client: FlaskClient, some_trials: None) -> None:
    html = client.get("/trials/NCT04012996").get_data(as_text=True)
    inclusion = html.split("criteria-section--inclusion", 1)[1].split("criteria-section--exclusion", 1)[0]
    exclusion = html.split("criteria-section--exclusion", 1)[1].split("</section>", 1)[0]
    assert inclusion.count("<li>") >= 3
    assert exclusion.count("<li>") >= 3
    assert "You may be able to take part if:" in inclusion
    assert "You may not be able to take part if:" in exclusion


def test_study_details(client: FlaskClient, some_trials: None) -> None:
    data = study("NCT04012996")["protocolSection"]
    text = " ".join(" ".join(read(client.get("/trials/NCT04012996").get_data(as_text=True)).text).split())
    assert data["sponsorCollaboratorsModule"]["leadSponsor"]["name"] in text
    for condition in data["conditionsModule"]["conditions"]:
        assert condition in text
    assert "NCT04012996" in text
    assert "Start date" in text and "Last update" in text
    assert f"{data['designModule']['enrollmentInfo']['count']} people" in text


def test_json_ld_describes_a_medical_trial(client: FlaskClient, some_trials: None) -> None:
    page = read(client.get("/trials/NCT04012996").get_data(as_text=True))
    assert len(page.json_ld) == 1
    data = json.loads(page.json_ld[0])
    assert data["@type"] == "MedicalTrial"
    assert data["code"]["codeValue"] == "NCT04012996"
    assert data["status"] == "https://schema.org/Recruiting"
    assert data["sponsor"]["name"]
    assert data["healthCondition"] and data["healthCondition"][0]["@type"] == "MedicalCondition"
    assert data["studyLocation"] and data["studyLocation"][0]["@type"] == "AdministrativeArea"
    assert data["url"] == "https://trials.example.org/trials/NCT04012996"


def test_canonical_link_and_meta_description(client: FlaskClient, some_trials: None) -> None:
    html = client.get("/trials/NCT04012996").get_data(as_text=True)
    assert '<link rel="canonical" href="https://trials.example.org/trials/NCT04012996">' in html
    description = re.search(r'<meta name="description" content="([^"]*)">', html)
    assert description is not None
    assert 20 < len(description.group(1)) <= 160
    assert "\\" not in description.group(1)


@pytest.mark.parametrize("asked", ["nct04012996", "Nct04012996", " NCT04012996".strip().lower()])
def test_other_cases_redirect_to_the_canonical_url(client: FlaskClient, some_trials: None, asked: str) -> None:
    response = client.get(f"/trials/{asked}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/trials/NCT04012996")


@pytest.mark.parametrize("asked", ["NCT99999999", "nct99999999", "not-a-trial", "NCT0401299", "%00", "NCT04012996x"])
def test_unknown_trials_get_a_friendly_404(client: FlaskClient, some_trials: None, asked: str) -> None:
    response = client.get(f"/trials/{asked}", follow_redirects=True)
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)


def test_a_huge_trial_lists_its_places_not_its_sites(client: FlaskClient, some_trials: None) -> None:
    """1,148 sites: the page names the countries and the states, each linking to its page of sites (see
    tests/trials/test_location_pages.py), and stays light."""
    html = client.get("/trials/NCT04267848").get_data(as_text=True)
    assert len(html.encode()) < 100_000
    assert "1,148 study sites" in html
    locations = html.split('id="locations"', 1)[1].split("</section>", 1)[0]
    assert '<ul class="sites">' not in locations
    assert "Guam" in locations and "United States" in locations and "California" in locations


def test_a_small_trial_shows_its_sites_open(client: FlaskClient, some_trials: None) -> None:
    html = client.get("/trials/NCT04600544").get_data(as_text=True)
    locations = html.split('id="locations"', 1)[1]
    assert '<details class="loc" open' in locations
    assert "Recruiting" in locations


def test_a_description_that_repeats_the_eligibility_is_not_shown_twice(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    record = study("NCT06667843")
    criteria = record["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    record["protocolSection"]["descriptionModule"]["detailedDescription"] = criteria.replace(
        "Inclusion Criteria", "Inclusion criteria"
    )
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(record))
    import_files(app, path)

    html = client.get("/trials/NCT06667843").get_data(as_text=True)

    assert "repeats the eligibility criteria" in html
    description = html.split('id="description"', 1)[1].split("</section>", 1)[0]
    assert "<li>" not in description


def test_faqs_are_shown_general_and_per_trial(app: Flask, client: FlaskClient, some_trials: None, runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        args=[
            "faqs",
            "add",
            "--trial",
            "nct04012996",
            "--question",
            "Is parking free?",
            "--answer",
            "Yes, at the clinic.",
        ]
    )
    assert result.exit_code == 0, result.output
    html = client.get("/trials/NCT04012996").get_data(as_text=True)
    faqs = html.split('id="faqs"', 1)[1]
    assert "What is a clinical trial?" in faqs
    assert faqs.index("Is parking free?") < faqs.index("What is a clinical trial?")
    assert "Is parking free?" not in client.get("/trials/NCT04600544").get_data(as_text=True)


ALL_STATUSES = "&".join(
    f"status={code}"
    for code in (
        "RECRUITING",
        "NOT_YET_RECRUITING",
        "ENROLLING_BY_INVITATION",
        "ACTIVE_NOT_RECRUITING",
        "SUSPENDED",
        "TERMINATED",
        "COMPLETED",
        "WITHDRAWN",
        "UNKNOWN",
    )
)


def test_the_list_is_newest_first_paginated_and_filtered(client: FlaskClient, demo_trials: None) -> None:
    html = client.get(f"/trials?{ALL_STATUSES}").get_data(as_text=True)
    assert "67 trials found." in html
    assert "Page 1 of 4" in html
    ids = re.findall(r'href="/trials/(NCT\d{8})"', html)
    assert len(ids) == 20
    dates = [study(i)["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] for i in ids]
    assert dates == sorted(dates, reverse=True)

    page2 = client.get(f"/trials?{ALL_STATUSES}&page=2").get_data(as_text=True)
    assert not set(re.findall(r'href="/trials/(NCT\d{8})"', page2)) & set(ids)

    # Without a status, the list shows the trials recruiting now.
    recruiting = client.get("/trials").get_data(as_text=True)
    found = set(re.findall(r'href="/trials/(NCT\d{8})"', recruiting))
    assert found and all(study(i)["protocolSection"]["statusModule"]["overallStatus"] == "RECRUITING" for i in found)

    # An old condition link still works: it becomes a search.
    old = client.get("/trials?condition=NSCLC")
    assert old.status_code == 301 and old.headers["Location"].endswith("/trials?q=NSCLC")


@pytest.mark.parametrize("query", ["?page=999", "?q=%25_%5C", "?q=%22", "?q=-", "?q=or", "?q=NEAR(a+b)", "?q=a*"])
def test_odd_list_queries_never_fail(client: FlaskClient, some_trials: None, query: str) -> None:
    assert client.get(f"/trials{query}").status_code == 200


@pytest.mark.parametrize("query", ["?page=-3", "?page=abc", "?status=%00", "?q=" + "x" * 5000, "?age=200"])
def test_bad_list_queries_are_refused_with_a_message(client: FlaskClient, some_trials: None, query: str) -> None:
    response = client.get(f"/trials{query}")
    assert response.status_code == 400
    assert "Please check the search" in response.get_data(as_text=True)


def test_the_home_page_leads_to_the_trials(client: FlaskClient, demo_trials: None) -> None:
    html = client.get("/").get_data(as_text=True)
    assert 'href="/trials?status=RECRUITING"' in html
    assert 'action="/trials"' in html and 'name="q"' in html
    assert "67 trials are listed." in html


def test_the_health_check_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"


def test_a_reimported_trial_shows_its_new_version_at_once(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    record = study("NCT06667843")
    first = tmp_path / "v1.json"
    first.write_text(json.dumps(record))
    import_files(app, first)
    assert "Recruiting" in client.get("/trials/NCT06667843").get_data(as_text=True)

    record["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2031-02-02"
    second = tmp_path / "v2.json"
    second.write_text(json.dumps(record))
    import_files(app, second)

    text = " ".join(read(client.get("/trials/NCT06667843").get_data(as_text=True)).text)
    assert "Completed" in text
    assert "2 February 2031" in text


def test_pages_with_a_form_token_are_never_kept_by_shared_caches(client: FlaskClient, some_trials: None) -> None:
    response = client.get("/trials/NCT04012996")
    assert response.headers["Cache-Control"] == "private, no-cache"
