"""The page frame every visitor gets: the favicon, the web app manifest, the logo with its text, one date format."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from tests.notes.helpers import TRIAL, share
from tests.staff import make_user, sign_in

DATE = re.compile(
    r"^\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}$"
)


def test_favicon_ico_is_served_as_an_icon(client: FlaskClient) -> None:
    with client.get("/favicon.ico") as response:  # a file response: closed when read
        assert response.status_code == 200
        assert response.mimetype in {"image/vnd.microsoft.icon", "image/x-icon"}
        assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
        assert response.data.count(b"\x89PNG") == 2  # 32 and 16 px


def test_every_page_links_the_icons_and_the_manifest_which_names_the_portal(client: FlaskClient) -> None:
    for path in ("/", "/trials", "/about", "/alerts/", "/account/sign-in"):
        html = client.get(path).get_data(as_text=True)
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html, path
        assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in html, path
        # The logo is decoration beside the site's name, which is text: the name shows even without the image.
        assert re.search(
            r'<img class="site-name__logo" src="/static/img/logo.svg" alt=""[^>]*>\s*<span>Trial Finder', html
        )
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["name"] == "Trial Finder" and manifest["start_url"] == "/"
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as found:
            assert found.status_code == 200 and found.mimetype == icon["type"], icon


def test_patient_pages_have_the_footer_and_staff_pages_do_not(app: Flask, client: FlaskClient) -> None:
    assert 'class="site-footer"' in client.get("/about").get_data(as_text=True)
    make_user(app, "ops@example.org", role="admin")
    sign_in(client, "ops@example.org")
    html = client.get("/admin/").get_data(as_text=True)
    assert 'class="site-footer"' not in html and 'class="staff"' in html
    assert '<a href="/admin/" aria-current="page">Administration</a>' in html


def test_the_notes_panel_gets_its_dates_in_the_format_of_every_page(client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    body = share(client, days=7).get_json()
    assert DATE.match(body["expires_on"]), body["expires_on"]  # "14 December 2026", never "December 14, 2026"
    expires = datetime.fromisoformat(body["expires_at"])
    assert body["expires_on"] == f"{expires.day} {expires:%B %Y}"
    assert timedelta(days=6) < expires - datetime.now(UTC) <= timedelta(days=7)
