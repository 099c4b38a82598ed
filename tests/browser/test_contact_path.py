"""The whole contact path as a patient, in Chromium: find the nearest site, send, read the confirmation."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import ContactRequest
from tests.browser.axe import assert_axe_clean
from tests.contact.helpers import TRIAL


def test_a_patient_finds_the_nearest_site_and_sends_their_details(
    app: Flask, live_server: str, page: Page, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    page.goto(f"{live_server}/trials/{TRIAL}")
    page.get_by_role("link", name="Contact the study team").first.click()
    form = page.locator("#contact")
    expect(form.get_by_role("heading", name="Get in touch with the nearest study center")).to_be_visible()
    # Nothing is chosen for the patient before we know where they are.
    expect(page.get_by_label("Study site").locator("option:checked")).to_have_text("Choose a study site")
    assert_axe_clean(page)

    form.get_by_label("Your ZIP code or city").fill("90210")
    form.get_by_role("button", name="Find the nearest site").click()
    expect(page.locator(".js-location-status")).to_contain_text("Beverly Hills")
    # The page comes back with the focus on the message, so a screen reader says the sites were reordered.
    expect(page.locator(".js-location-status")).to_be_focused()
    nearest = expect_the_nearest_chosen(page)
    assert re.search(r"\((\d) miles?\)$", nearest), nearest  # a few miles from Beverly Hills

    # A mistake first: the error shows beside the field and the typed values stay.
    page.get_by_label("First name").fill("José")
    page.get_by_label("Last name").fill("Müller")
    page.get_by_label(re.compile("^Email")).fill("jose@example")
    page.get_by_label("Phone number").fill("(310) 555-0142")
    page.get_by_label("Preferred language").select_option("es")
    page.get_by_label(re.compile("I agree that these details are shared")).check()
    page.get_by_role("button", name="Send my details").click()
    expect(page.locator("#email-error")).to_contain_text("Please enter a valid email address")
    expect(page.get_by_label("First name")).to_have_value("José")
    expect(page.get_by_label("Study site").locator("option:checked")).to_have_text(nearest)
    assert_axe_clean(page)

    page.get_by_label(re.compile("^Email")).fill("jose@example.org")
    page.get_by_label(re.compile("I agree that these details are shared")).check()
    page.get_by_role("button", name="Send my details").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your details were sent")
    facility = nearest.rsplit(",", 1)[0]
    expect(page.locator(".lead")).to_have_text(f"We sent your details to the study team at {facility}.")
    expect(page.get_by_text("We are also emailing you a copy at jose@example.org.")).to_be_visible()
    expect(page.get_by_role("heading", name="Would you like to be notified about other trials?")).to_be_visible()
    assert_axe_clean(page)
    page.reload()  # a refresh shows the page again and sends nothing more
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details were sent")
    with app.app_context():
        assert len(db.session.scalars(select(ContactRequest)).all()) == 1


def test_use_my_location_orders_sites_from_the_browser_position(
    live_server: str, new_page: Callable[..., Page], import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    chicago = {"latitude": 41.8781, "longitude": -87.6298}
    page = new_page(geolocation=chicago, permissions=["geolocation"])
    page.goto(f"{live_server}/trials/{TRIAL}#contact")
    button = page.get_by_role("button", name="Use my location")
    expect(button).to_be_visible()  # shown only where JavaScript and geolocation work
    expect(page.get_by_label("Study site").locator("option:checked")).to_have_text("Choose a study site")
    button.click()
    status = page.locator(".js-location-status")
    expect(status).to_have_text(
        "Sites nearest to your location come first. The nearest is chosen for you; you can choose another."
    )
    expect(status).to_be_focused()
    nearest = expect_the_nearest_chosen(page)
    assert re.search(r"\(\d+ miles?\)$", nearest), nearest


def test_sending_without_a_site_asks_for_one_beside_the_field(
    app: Flask, live_server: str, page: Page, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    page.goto(f"{live_server}/trials/{TRIAL}#contact")
    page.get_by_label("First name").fill("José")
    page.get_by_label("Last name").fill("Müller")
    page.get_by_label(re.compile("^Email")).fill("jose@example.org")
    page.get_by_label("Phone number").fill("(310) 555-0142")
    page.get_by_label(re.compile("I agree that these details are shared")).check()
    page.get_by_role("button", name="Send my details").click()

    expect(page.locator("#site-error")).to_have_text("Please choose a study site.")
    expect(page.get_by_label("Study site")).to_have_attribute("aria-describedby", "site-error")
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.get_by_label(re.compile("^Email"))).to_have_value("jose@example.org")
    assert_axe_clean(page)
    with app.app_context():
        assert db.session.scalars(select(ContactRequest)).all() == []


def expect_the_nearest_chosen(page: Page) -> str:
    """The site chosen is the first recruiting one listed, and none listed is nearer. Returns its label."""
    select = page.get_by_label("Study site")
    chosen = select.locator("option:checked").inner_text()
    labels = select.locator("optgroup").first.locator("option").all_inner_texts()
    assert chosen == labels[0], (chosen, labels[:3])
    distances = [miles for label in labels if (miles := distance(label)) is not None]
    assert distance(chosen) == min(distances), (chosen, distances[:3])
    return chosen


def distance(label: str) -> int | None:
    """Miles from the patient in a site's label, "Clinic, City (12 miles)"."""
    found = re.search(r"\(([\d,]+) miles?\)$", label)
    return int(found.group(1).replace(",", "")) if found else None
