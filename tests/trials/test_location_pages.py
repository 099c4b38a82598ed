"""A big trial's sites by place: the trial page lists countries and regions with counts, each place has a page of
its sites (no JavaScript needed), and every site is on exactly one of those pages, under its true status."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import Site, Trial
from portal.trials.locations import group_sites, location_index
from portal.trials.services import page_record
from portal.trials.sites import LIST_ALL_UP_TO, SiteRow
from tests.conftest import DEMO_TRIALS, import_files
from tests.trials.page_items import listings_with_place_pages, location_links, site_listings, squash

BIG = "NCT04267848"  # 1,148 sites, recruiting: 1,147 in the United States (49 states), 1 in Guam
CLOSED_BIG = "NCT02552212"  # completed, 105 sites in 17 countries, none with a status of its own
SMALL = "NCT04012996"  # 33 sites


@pytest.fixture(autouse=True)
def trials(import_demo: Callable[..., object]) -> None:
    import_demo(BIG, CLOSED_BIG, SMALL)


def get(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def locations_section(html: str) -> str:
    return html.split('<section id="locations"', 1)[1].split("</section>", 1)[0]


def counts_of(html: str) -> list[tuple[str, int, int | None]]:
    """(place, sites, recruiting) of each place listed, as the page writes them."""
    found = re.findall(
        r'<a class="loc-index__link" href="[^"]+">([^<]+)</a> '
        r'<span class="loc__count">([\d,]+) sites?(?:, ([\d,]+) recruiting)?</span>',
        html,
    )
    return [
        (name, int(sites.replace(",", "")), int(rec.replace(",", "")) if rec else None) for name, sites, rec in found
    ]


def site_rows_of(app: Flask, nct_id: str) -> list[Site]:
    with app.app_context():
        rows = db.session.scalars(select(Site).join(Site.trial).where(Trial.nct_id == nct_id)).all()
        db.session.expunge_all()
        return list(rows)


def test_the_big_trial_page_lists_countries_and_states_whose_counts_add_up(app: Flask, client: FlaskClient) -> None:
    html = get(client, f"/trials/{BIG}")
    section = locations_section(html)
    assert "1,148 study sites in 2 countries." in squash(section)
    assert '<ul class="sites">' not in section  # no list of a thousand sites
    places = counts_of(section)
    countries = {name: (sites, recruiting) for name, sites, recruiting in places if name in {"United States", "Guam"}}
    assert countries == {"United States": (1147, 659), "Guam": (1, 0)}
    states = [place for place in places if place[0] not in countries]
    assert len(states) == 49 and "California" in {name for name, _, _ in states}
    sites = site_rows_of(app, BIG)
    assert sum(count for _, count, _ in states) == 1147
    assert (
        sum(recruiting or 0 for _, _, recruiting in states)
        == 659
        == sum(1 for site in sites if site.status == "RECRUITING" and site.country == "United States")
    )
    assert "659 are recruiting." in squash(section)
    # "Find the nearest" is one click away from the list of places.
    assert 'href="#contact">Or let us find the recruiting sites nearest to you.</a>' in section


def test_a_state_page_lists_its_sites_under_their_status_with_a_way_to_contact_each(
    app: Flask, client: FlaskClient
) -> None:
    section = locations_section(get(client, f"/trials/{BIG}"))
    link = next(url for url in location_links(section) if "region=California" in url)
    assert parse_qs(urlsplit(link).query) == {"country": ["United States"], "region": ["California"]}
    html = get(client, link)  # a plain GET: no script needed
    assert "<h1" in html and "Study sites in California, United States" in html
    listed = site_listings(html)
    california = [site for site in site_rows_of(app, BIG) if site.state == "California"]
    assert len(listed) == len(california) == 97
    recruiting = [site for site in california if site.status == "RECRUITING"]
    assert Counter(site.label for site in listed)["Recruiting"] == len(recruiting)
    contact_links = re.findall(r'<a class="site-contact" href="([^"]+)" rel="nofollow">Contact this site</a>', html)
    assert len(contact_links) == len(recruiting)
    assert {parse_qs(urlsplit(url.replace("&amp;", "&")).query)["site"][0] for url in contact_links} == {
        str(site.id) for site in recruiting
    }
    assert f'href="/trials/{BIG}"' in html  # back to the trial


def test_every_site_is_on_exactly_one_place_page_under_its_true_status(app: Flask, client: FlaskClient) -> None:
    listed = listings_with_place_pages(lambda url: get(client, url), f"/trials/{BIG}")
    sites = site_rows_of(app, BIG)
    assert len(listed) == len(sites) == 1148
    assert Counter(site.label for site in listed)["Recruiting"] == sum(1 for s in sites if s.status == "RECRUITING")
    not_recruiting = Counter(site.badge for site in listed if site.label == "Not recruiting")
    assert sum(not_recruiting.values()) == sum(1 for s in sites if s.status not in {"RECRUITING", None})
    assert not any(site.label == "Status not given" for site in listed) or any(s.status is None for s in sites)


def test_a_trial_that_is_not_open_counts_no_site_as_recruiting_and_offers_no_contact(client: FlaskClient) -> None:
    html = get(client, f"/trials/{CLOSED_BIG}")
    section = locations_section(html)
    assert "The study is not open, so none of them is recruiting now." in squash(section)
    assert all(recruiting is None for _, _, recruiting in counts_of(section))  # "N sites", never "N recruiting"
    listed = listings_with_place_pages(lambda url: get(client, url), f"/trials/{CLOSED_BIG}")
    assert len(listed) == 105
    assert {site.label for site in listed} == {"Status not given"}
    for url in location_links(section):
        assert "Contact this site" not in get(client, url)


def test_a_country_with_few_sites_lists_them_on_its_own_page(client: FlaskClient) -> None:
    html = get(client, f"/trials/{BIG}/locations?country=Guam")
    assert "Study sites in Guam" in html
    assert len(site_listings(html)) == 1
    whole_country = get(client, f"/trials/{BIG}/locations?country=United+States")
    assert not site_listings(whole_country)  # too many for one page: its states, each with a page
    assert len(counts_of(whole_country)) == 49


def test_small_trials_keep_their_full_list(client: FlaskClient) -> None:
    section = locations_section(get(client, f"/trials/{SMALL}"))
    assert len(site_listings(section)) == 33
    assert "loc-index" not in section


@pytest.mark.parametrize(
    "query",
    ["country=France", "country=United+States&region=Atlantis", "region=California", "country=United+States&region="],
)
def test_a_place_the_trial_has_no_site_in_is_not_found(client: FlaskClient, query: str) -> None:
    assert client.get(f"/trials/{BIG}/locations?{query}").status_code == 404


def test_unknown_trials_and_other_cases(client: FlaskClient) -> None:
    assert client.get("/trials/NCT99999999/locations").status_code == 404
    response = client.get(f"/trials/{BIG.lower()}/locations?country=Guam")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/trials/{BIG}/locations?country=Guam")


def test_sites_without_a_country_or_place_have_a_page_too() -> None:
    """A place the record does not give is a place of its own ("Country not given"), reached by an empty value."""
    rows = [
        SiteRow(i, f"Site {i}", None, None, None, None if i % 2 else "France", None, None, None) for i in range(120)
    ]
    groups = group_sites(rows, trial_open=True, last_updated=None)
    assert sorted((group.key, group.site_count) for group in groups) == [("", 60), ("France", 60)]
    assert len(rows) > LIST_ALL_UP_TO


def test_the_index_links_each_place_by_the_names_the_record_uses(app: Flask) -> None:
    rows = [SiteRow(i, f"Site {i}", "Lyon", None, None, None, "RECRUITING", None, None) for i in range(3)]
    with app.test_request_context():
        groups = group_sites(rows, trial_open=True, last_updated=None)
        [entry] = location_index(groups, "/trials/NCT00000001/locations", trial_open=True)
    assert entry.name == "Country not given"
    assert entry.href == "/trials/NCT00000001/locations?country="
    assert entry.counts == "3 sites, 3 recruiting"


def test_the_page_reads_the_record_without_its_list_of_locations_and_still_knows_the_copy_gives_them(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    """The page's copy of the record comes from the database with its locations list emptied (the sites come from
    their table): a contacts and locations module that holds nothing else must still count as given."""
    record = json.loads((DEMO_TRIALS / f"{SMALL}.json").read_text())
    module = record["protocolSection"]["contactsLocationsModule"]
    for key in [key for key in module if key != "locations"]:
        del module[key]
    (tmp_path / "study.json").write_text(json.dumps(record))
    assert import_files(app, tmp_path / "study.json").failed == 0
    with app.app_context():
        trial = db.session.scalar(select(Trial).where(Trial.nct_id == SMALL))
        assert trial is not None
        page_copy = page_record(db.session, trial)
        assert page_copy["protocolSection"]["contactsLocationsModule"] == {"locations": []}
        assert trial.raw["protocolSection"]["contactsLocationsModule"]["locations"]  # the stored record is whole
        db.session.remove()
    section = locations_section(get(client, f"/trials/{SMALL}"))
    assert "33 study sites" in squash(section)
    assert "Not given in this copy of the record" not in section
