"""Site status and freshness: what a page says of sites without a status, of a trial that is not open, and of an
open trial whose status may be out of date, on real records with the day fixed."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from portal.extensions import db
from portal.trials import freshness
from tests.conftest import CTGOV_BULK, DEMO_TRIALS, import_files
from tests.trials.page_items import ListedSite, listings_with_place_pages, site_listings, squash
from tests.trials.test_pages import read

STALE = "This study’s status may be out of date."
ASK = "Ask the study team whether it is still looking for people."
NOT_OPEN = "This study is not looking for new participants."
UNKNOWN_2013 = "NCT01943214"  # status unknown, last updated 18 September 2013, its one site still "RECRUITING"


def bulk_study(nct_id: str) -> dict[str, Any]:
    """A study object from the repo's bulk files, as it is there."""
    for path in sorted(CTGOV_BULK.glob("*.json.gz")):
        data = json.loads(gzip.decompress(path.read_bytes()))
        for study in data if isinstance(data, list) else data.get("studies", []):
            if study["protocolSection"]["identificationModule"]["nctId"] == nct_id:
                return study
    raise LookupError(nct_id)


@pytest.fixture
def on_day(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    """Fix the day the freshness rules see."""

    def _set(day: date) -> None:
        monkeypatch.setattr(freshness, "today", lambda: day)

    return _set


@pytest.fixture
def import_bulk(app: Flask, tmp_path: Path) -> Callable[[str], None]:
    def _import(nct_id: str) -> None:
        path = tmp_path / f"{nct_id}.json"
        path.write_text(json.dumps(bulk_study(nct_id)))
        summary = import_files(app, path)
        assert summary.failed == 0, summary.errors

    return _import


def text_of(html: str) -> str:
    return squash(" ".join(read(html).text))


def page(client: FlaskClient, nct_id: str) -> str:
    return page_at(client, f"/trials/{nct_id}")


def page_at(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def locations_html(html: str) -> str:
    start = html.index('<section id="locations"')
    return html[start : html.index("</section>", start)]


def trial_header(html: str) -> str:
    start = html.index('<header class="trial-header">')
    return html[start : html.index("</header>", start)]


def shown_as_recruiting(sites: list[ListedSite]) -> list[ListedSite]:
    return [site for site in sites if "Recruiting" in (site.label, site.badge)]


# Sites and their status


def test_a_site_without_a_status_is_listed_as_status_not_given(
    client: FlaskClient, import_demo: Callable[..., object]
) -> None:
    import_demo("NCT05827016", "NCT02552212")  # not yet recruiting, 278 sites; completed, 105 sites; none with a status
    for nct_id, count in (("NCT05827016", 278), ("NCT02552212", 105)):
        # Big trials list their sites on a page per country or region.
        sites = listings_with_place_pages(lambda url: page_at(client, url), f"/trials/{nct_id}")
        assert len(sites) == count
        assert {site.label for site in sites} == {"Status not given"}
        assert not any(site.badge for site in sites)


def test_a_trial_that_is_not_open_shows_no_site_as_recruiting_now(
    client: FlaskClient, import_bulk: Callable[[str], None]
) -> None:
    import_bulk(UNKNOWN_2013)
    html = page(client, UNKNOWN_2013)
    sites = site_listings(html)
    assert sites == [
        ListedSite(
            "Listed as recruiting when the record was last updated on 18 September 2013",
            None,
            "Taichung Veterans General Hospital",
        )
    ]
    locations = text_of(locations_html(html))
    assert "1 study site. The study is not open, so this site is not recruiting now." in locations
    assert "is recruiting." not in locations
    assert "recruiting</span>" not in locations_html(html)  # the country's summary counts no recruiting site
    assert 'id="contact"' not in html


def test_an_unknown_trial_with_several_recruiting_sites_counts_none_of_them(
    client: FlaskClient, import_demo: Callable[..., object]
) -> None:
    import_demo("NCT03475563")  # status unknown since 2019, 3 sites listed as recruiting
    html = page(client, "NCT03475563")
    sites = site_listings(html)
    assert len(sites) == 3
    assert not shown_as_recruiting(sites)
    assert {site.label for site in sites} == {
        "Listed as recruiting when the record was last updated on 27 November 2019"
    }
    locations = text_of(locations_html(html))
    assert "3 study sites. The study is not open, so none of them is recruiting now." in locations
    assert "are recruiting" not in locations


def test_an_open_trial_still_shows_its_recruiting_sites_as_recruiting(
    client: FlaskClient, import_demo: Callable[..., object]
) -> None:
    import_demo("NCT04012996")  # recruiting: 30 sites recruiting, 1 not yet, 2 active but not recruiting
    html = page(client, "NCT04012996")
    sites = site_listings(html)
    recruiting = [site for site in sites if site.label == "Recruiting"]
    others = [site for site in sites if site.label == "Not recruiting"]
    assert len(recruiting) == 30 and not any(site.badge for site in recruiting)
    assert sorted(site.badge or "" for site in others) == [
        "Active, not recruiting",
        "Active, not recruiting",
        "Not yet recruiting",
    ]
    assert "33 study sites. 30 are recruiting." in text_of(locations_html(html))
    assert 'id="contact"' in html


# The header


def test_the_header_says_when_the_record_was_updated_and_the_status_verified(
    client: FlaskClient, import_bulk: Callable[[str], None]
) -> None:
    import_bulk(UNKNOWN_2013)
    html = page(client, UNKNOWN_2013)
    header = text_of(trial_header(html))
    assert "Last updated on ClinicalTrials.gov: 18 September 2013" in header
    assert "Status last verified: September 2013" in header


# Status that may be out of date


def test_an_open_trial_not_verified_for_more_than_12_months_is_flagged_from_that_day(
    client: FlaskClient, import_demo: Callable[..., object], on_day: Callable[[date], None]
) -> None:
    import_demo("NCT05631392")  # recruiting, verified March 2024, main results expected by June 2027
    on_day(date(2025, 3, 31))  # 12 months after March 2024
    assert STALE not in text_of(page(client, "NCT05631392"))
    on_day(date(2025, 4, 1))  # the same trial version, 13 months: the cached page must not keep its old answer
    text = text_of(page(client, "NCT05631392"))
    assert f"{STALE} The study team last confirmed it in March 2024. {ASK}" in text


def test_an_open_trial_past_its_actual_primary_completion_is_flagged(
    client: FlaskClient, import_demo: Callable[..., object], on_day: Callable[[date], None]
) -> None:
    import_demo("NCT04600544")  # recruiting, verified October 2023, main results collected (actual) 19 October 2022
    on_day(date(2023, 11, 1))
    text = text_of(page(client, "NCT04600544"))
    assert (
        f"{STALE} The record says the study finished collecting data for its main results on 19 October 2022. {ASK}"
        in text
    )
    assert "last confirmed" not in text  # verified a month before


def test_an_open_trial_past_its_expected_primary_completion_is_flagged(
    client: FlaskClient, import_demo: Callable[..., object], on_day: Callable[[date], None]
) -> None:
    import_demo("NCT05814159")  # recruiting, verified April 2023, main results expected by 1 December 2023
    on_day(date(2023, 12, 1))
    assert STALE not in text_of(page(client, "NCT05814159"))
    on_day(date(2023, 12, 2))
    text = text_of(page(client, "NCT05814159"))
    assert f"{STALE} The study expected to finish collecting data for its main results by 1 December 2023." in text


def test_a_fresh_open_trial_and_a_closed_trial_are_not_flagged(
    client: FlaskClient,
    import_demo: Callable[..., object],
    import_bulk: Callable[[str], None],
    on_day: Callable[[date], None],
) -> None:
    import_demo("NCT05631392")
    import_bulk(UNKNOWN_2013)  # verified in 2013 and past its primary completion, but not open
    on_day(date(2024, 6, 1))
    assert STALE not in text_of(page(client, "NCT05631392"))
    closed = text_of(page(client, UNKNOWN_2013))
    assert STALE not in closed
    assert NOT_OPEN in closed


# Search results


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL the app sends while the test runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_a_search_result_carries_the_flag_without_reading_the_record(
    client: FlaskClient, import_demo: Callable[..., object], on_day: Callable[[date], None], statements: list[str]
) -> None:
    import_demo("NCT05631392", "NCT06791122")  # recruiting: verified March 2024; verified April 2025
    on_day(date(2025, 6, 1))
    statements.clear()
    html = client.get("/trials").get_data(as_text=True)
    cards = {
        nct_id: text_of(card)
        for card in html.split('<li class="trial-card">')[1:]
        for nct_id in ("NCT05631392", "NCT06791122")
        if nct_id in card
    }
    assert f"{STALE} The study team last confirmed it in March 2024. {ASK}" in cards["NCT05631392"]
    assert STALE not in cards["NCT06791122"]
    assert statements and not [s for s in statements if "trials.raw" in s]


# Trials that are not open


def test_a_trial_that_is_not_open_says_so_and_links_to_open_trials_of_its_condition(
    client: FlaskClient, import_demo: Callable[..., object]
) -> None:
    import_demo("NCT02552212", "NCT04012996")  # completed (axial spondyloarthritis first); recruiting
    html = page(client, "NCT02552212")
    header = trial_header(html)
    assert NOT_OPEN in text_of(header)
    link = read_link(header, "closed-notice__search")
    assert link["text"] == "Find trials of Axial Spondyloarthritis that are looking for people"
    url = urlsplit(link["href"])
    assert url.path == "/trials"
    assert parse_qs(url.query) == {"q": ["Axial Spondyloarthritis"]}  # the search's default: recruiting trials
    search = client.get(link["href"])
    assert search.status_code == 200
    assert 'value="Axial Spondyloarthritis"' in search.get_data(as_text=True)
    assert "closed-notice__search" not in page(client, "NCT04012996")


def test_a_trial_enrolling_by_invitation_says_who_can_join(
    client: FlaskClient, import_demo: Callable[..., object]
) -> None:
    import_demo("NCT04040387")
    text = text_of(page(client, "NCT04040387"))
    assert "This study is not looking for new participants: it takes only people the study team invites." in text


def read_link(html: str, css_class: str) -> dict[str, str]:
    start = html.index(f'class="{css_class}"')
    tag_start = html.rindex("<a ", 0, start)
    href = html[html.index('href="', tag_start) + 6 :]
    href = href[: href.index('"')]
    text = html[html.index(">", start) + 1 : html.index("</a>", start)]
    return {"href": href.replace("&amp;", "&"), "text": squash(text)}


def test_every_demo_page_of_a_trial_that_is_not_open_has_the_notice(app: Flask, client: FlaskClient) -> None:
    """No page of a closed demo trial goes without the notice, and no open one has it."""
    import_files(app, DEMO_TRIALS)
    for path in sorted(DEMO_TRIALS.glob("NCT*.json")):
        data = json.loads(path.read_text())
        status = data.get("studies", [data])[0]["protocolSection"]["statusModule"]["overallStatus"]
        html = page(client, path.stem)
        has_notice = "status-notice--closed" in html
        assert has_notice == (status not in {"RECRUITING", "NOT_YET_RECRUITING"}), path.stem
        if status not in {"RECRUITING", "NOT_YET_RECRUITING"}:
            assert not shown_as_recruiting(site_listings(html)), path.stem
