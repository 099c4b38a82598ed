"""Times on staff pages are the site's own, with the zone named beside them; date fields show what their hints say."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient

from portal.geo.zones import zone_for
from tests.staff import ALICE, make_request, sign_in, two_sites


def test_a_sites_zone_comes_from_its_coordinates_else_its_country() -> None:
    flagstaff = zone_for(35.19807, -111.65127, "United States")
    assert flagstaff is not None and flagstaff.key == "America/Phoenix"  # Arizona keeps no daylight saving
    assert zone_for(41.85, -87.65, None).key == "America/Chicago"  # type: ignore[union-attr]
    assert zone_for(None, None, "Spain").key == "Europe/Madrid"  # type: ignore[union-attr]
    assert zone_for(None, None, "Japan").key == "Asia/Tokyo"  # type: ignore[union-attr]
    # Out at sea the coordinates name no place: the country's zone.
    assert zone_for(0.0, -30.0, "Brazil").key == "America/Sao_Paulo"  # type: ignore[union-attr]
    assert zone_for(None, None, None) is None and zone_for(None, None, "Atlantis") is None
    assert zone_for(95.0, 500.0, None) is None  # nonsense coordinates are not looked up


def test_the_request_page_shows_times_in_the_sites_zone_and_names_it(
    app: Flask, client: FlaskClient, import_demo
) -> None:  # type: ignore[no-untyped-def]
    sites = two_sites(app, import_demo)
    public_id = make_request(app, sites.site_a, first_name="Cyd", created_at=datetime(2026, 11, 2, 16, 5, tzinfo=UTC))
    sign_in(client, ALICE)
    html = client.get(f"/site/requests/{public_id}").get_data(as_text=True)
    assert "2 November 2026, 09:05 America/Phoenix" in html  # 16:05 UTC is 09:05 in Flagstaff
    assert "16:05 UTC" not in html and "16:05 America" not in html
    assert "When the team first reached the person (America/Phoenix time)" in html


def test_date_fields_show_the_form_their_hints_give(app: Flask, client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    sites = two_sites(app, import_demo)
    sign_in(client, ALICE)
    listing = client.get("/site/").get_data(as_text=True)
    # A text field that shows the date as typed (a browser's date picker would show 11/01/2026 in the US).
    date_from = re.search(r'<input[^>]*id="date_from"[^>]*>', listing).group(0)  # type: ignore[union-attr]
    assert 'type="text"' in date_from and 'placeholder="YYYY-MM-DD"' in date_from
    assert "For example 2026-11-01" in listing
    filtered = client.get("/site/?date_from=2026-11-01").get_data(as_text=True)
    assert re.search(r'id="date_from"[^>]*value="2026-11-01"', filtered)
    page = client.get(f"/site/requests/{sites.request_a}").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="responded_at"[^>]*>', page).group(0)  # type: ignore[union-attr]
    assert 'type="text"' in field and re.search(r'value="\d{4}-\d\d-\d\d \d\d:\d\d"', field)
    assert "For example 2026-11-25 14:30" in page
