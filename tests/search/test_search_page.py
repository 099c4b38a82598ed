"""The search page as a patient meets it, on the demo trials: the example finds trials, filters can be unticked,
a search that finds nothing offers ways on, and each result says what it is about and why it matched."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from portal.extensions import db
from portal.vocabulary import STATUS_LABELS
from tests.conftest import DEMO_TRIALS, import_files
from tests.search.test_search import STUDIES


@pytest.fixture
def demo(app: Flask) -> None:
    summary = import_files(app, DEMO_TRIALS)
    assert summary.failed == 0, summary.errors


def page(client: FlaskClient, **args: Any) -> str:
    response = client.get("/trials", query_string=args)
    assert response.status_code == 200, response.text[:500]
    return response.text


def found(html: str) -> int:
    match = re.search(r'<p class="result-count" role="status">([\d,]+) trials? found\.</p>', html)
    assert match is not None
    return int(match.group(1).replace(",", ""))


def status_boxes(html: str) -> dict[str, bool]:
    """The status checkboxes: value -> ticked."""
    fieldset = html.split('id="search-status"', 1)[1].split("</fieldset>", 1)[0]
    return {value: bool(checked) for value, checked in re.findall(r'value="(\w+)"( checked)?>', fieldset)}


def href(html: str, text: str) -> str:
    """The address of the link whose text starts with `text`."""
    match = re.search(r'<a href="([^"]+)">' + re.escape(text), html)
    assert match is not None, f"no link {text!r}"
    return html_lib.unescape(match.group(1))


def test_the_example_in_the_box_finds_recruiting_trials(client: FlaskClient, demo: None) -> None:
    example = re.search(r'<p class="hint" id="search-q-hint">For example: ([^<]+)</p>', page(client))
    assert example is not None
    shown = page(client, q=example.group(1))
    assert found(shown) > 0
    assert shown.count('class="trial-card"') == found(shown)
    assert status_boxes(shown)["RECRUITING"]  # with the default filters


def test_recruiting_can_be_unticked_and_old_links_keep_the_default(client: FlaskClient, demo: None) -> None:
    default = page(client, q="asthma")  # a link without the form's marker: recruiting only, as before
    assert found(default) == 0 and status_boxes(default)["RECRUITING"]
    unticked = page(client, q="asthma", filtered="1")  # the form sent with no status ticked
    assert found(unticked) == 4
    assert not any(status_boxes(unticked).values())
    assert "Filters (0)" in unticked
    # The next page of an any-status search stays an any-status search.
    following = re.search(r'<a rel="next" href="([^"]+)">', page(client, filtered="1"))
    assert following is not None
    assert found(client.get(html_lib.unescape(following.group(1))).text) == len(STUDIES)


def test_the_status_filter_lists_the_statuses_the_trials_have(client: FlaskClient, demo: None) -> None:
    present = {p["statusModule"]["overallStatus"] for p in STUDIES.values()}
    assert len(present) < len(STATUS_LABELS)
    assert set(status_boxes(page(client, filtered="1"))) == present
    refused = client.get("/trials", query_string={"age": "abc"})  # a search that could not run
    assert refused.status_code == 400 and set(status_boxes(refused.text)) == present


def test_an_empty_search_offers_statuses_with_matches_the_spelling_and_alerts(client: FlaskClient, demo: None) -> None:
    html = page(client, q="asthma")
    offers = html.split('class="no-results"', 1)[1]
    assert re.findall(r">([^<>]+: \d+ trials?)</a>", offers) == [
        "Not yet recruiting: 1 trial",
        "Completed: 2 trials",
        "Status unknown: 1 trial",
    ]
    assert "Recruiting: 0" not in offers and "start recruiting soon" not in html  # no filter that finds nothing
    assert found(page(client, q="asthma", status="COMPLETED")) == 2
    assert found(client.get(href(offers, "Completed: 2 trials")).text) == 2
    assert "Did you mean:" in offers and ">asthmatic</a>" in offers
    alerts = client.get(href(offers, "Get an email when a new trial fits this search")).text
    assert re.search(r"<textarea[^>]*>\s*asthma</textarea>", alerts)


def test_an_empty_search_near_a_place_offers_a_wider_distance(client: FlaskClient, demo: None) -> None:
    html = page(client, near="Springfield")
    assert found(html) == 0
    wider = client.get(href(html, "Search within 100 miles")).text
    assert found(wider) > 0 and "Showing sites near Springfield, Missouri." in wider
    alerts = client.get(href(html, "Get an email when a new trial fits this search")).text
    assert 'value="Springfield"' in alerts


def test_cards_show_a_plain_summary_without_reading_the_full_record(
    app: Flask, client: FlaskClient, demo: None
) -> None:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        html = page(client, q="bladder")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert not [s for s in statements if re.search(r"\btrials\.raw\b", s)]
    summary = re.search(r'<p class="trial-card__summary" lang="en">([^<]+)</p>', html)
    assert summary is not None
    start = " ".join(STUDIES["NCT06797245"]["descriptionModule"]["briefSummary"].split())[:40]
    assert html_lib.unescape(summary.group(1)).startswith(start)
    assert len(html_lib.unescape(summary.group(1))) <= 220


def test_reasons_are_in_the_words_searched_and_synonyms_are_named(client: FlaskClient, demo: None) -> None:
    html = page(client, q="cancer")
    reasons = re.findall(r'<p class="trial-card__reasons">Why it matched: ([^<]+)</p>', html)
    assert reasons and not any("Medical term" in r or "Neoplasms" in r for r in reasons)
    assert any("Topic: cancer" in r for r in reasons)
    assert "Also searched for: myocardial infarction" in page(client, q="heart attack", filtered="1")


def test_the_filters_start_closed_and_count_what_is_in_use(client: FlaskClient, demo: None) -> None:
    html = page(client, q="cancer", phase="PHASE2", near="Boston")
    details = re.search(r"<details class=\"search-filters[^\"]*\"( open)?>\s*<summary>([^<]+)</summary>", html)
    assert details is not None and details.group(1) is None
    assert details.group(2).endswith("Filters (3)")  # recruiting, phase 2, near Boston
    refused = client.get("/trials", query_string={"age": "abc"}).text
    assert re.search(r"<details class=\"search-filters[^\"]*\" open>", refused)  # an error in it: open


def test_the_search_page_says_which_place_it_used_and_offers_the_others(
    client: FlaskClient, import_demo: Callable[..., object]
) -> None:
    import_demo("NCT04267848")
    html = client.get("/trials", query_string={"near": "Springfield"}).get_data(as_text=True)
    assert "Showing sites near Springfield, Missouri." in html
    link = re.search(r'<a href="([^"]+)">Springfield, Illinois</a>', html)
    assert link is not None and "near=Springfield%2C+Illinois" in link.group(1)
    assert "Showing sites near Springfield, Illinois." in client.get(link.group(1).replace("&amp;", "&")).text


def test_the_search_page_asks_about_a_small_place_abroad(client: FlaskClient) -> None:
    response = client.get("/trials", query_string={"near": "Atlantis", "within": "25"})
    assert response.status_code == 400
    link = re.search(r'Did you mean <a href="([^"]+)">Atlantis, South Africa</a>\?', response.text)
    assert link is not None
    followed = client.get(link.group(1).replace("&amp;", "&"))
    assert followed.status_code == 200
    assert "Showing sites near Atlantis, South Africa." in followed.text
    assert 'name="within" type="number" min="1" max="500" inputmode="numeric" value="25"' in followed.text
