"""A site team member in Chromium: sign in, see only their site, change a status, export the list."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_axe_clean
from tests.staff import ALICE, PASSWORD, two_sites


def test_a_site_member_works_their_own_requests(app: Flask, live_server: str, page: Page, import_demo) -> None:  # type: ignore[no-untyped-def]
    sites = two_sites(app, import_demo)
    # The link in the site team's email leads through sign-in to the request.
    page.goto(f"{live_server}/site/requests/{sites.request_a}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_axe_clean(page)
    page.get_by_label("Email").fill(ALICE)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#password-error")).to_contain_text("not right")
    expect(page.locator(".error-summary")).to_be_focused()  # the summary is read first, and links to the field
    expect(page.locator(".error-summary a")).to_have_attribute("href", "#password")
    expect(page.get_by_label("Email")).to_have_value(ALICE)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    assert_axe_clean(page)

    page.get_by_label("Status", exact=True).select_option("contacted")
    page.get_by_role("button", name="Save status").click()
    expect(page.get_by_role("status")).to_contain_text("Status changed to Contacted.")
    expect(page.locator(".history")).to_contain_text("status changed from New to Contacted")

    page.get_by_role("link", name="All contact requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact requests")
    table = page.locator("table.requests")
    expect(table).to_contain_text("Ada Lovelace")
    expect(table).not_to_contain_text("Bea")  # site B's request
    expect(table).to_contain_text("Contacted")
    assert_axe_clean(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download these as CSV").click()
    download = download_info.value
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert [(r["first_name"], r["status"]) for r in rows] == [("Ada", "contacted")]

    # At phone width the page does not scroll sideways (the table scrolls in its own region).
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_axe_clean(page)

    page.get_by_role("button", name="Sign out (Alice)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.goto(f"{live_server}/site/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
