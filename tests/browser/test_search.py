"""Searching in a real browser: from the home page, with filters and their counts, at phone width, axe-clean."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.axe import assert_axe_clean

NSCLC_TRIALS = ("NCT05821933", "NCT06050980", "NCT06097962", "NCT06620835", "NCT06823401", "NCT05426668")


def test_search_from_the_home_page_then_filter(
    new_page: Callable[..., Page], live_server: str, import_demo: Callable[..., object]
) -> None:
    import_demo(*NSCLC_TRIALS)
    page = new_page({"width": 375, "height": 812})
    page.goto(f"{live_server}/")
    page.get_by_label("Your condition, a treatment or other words").fill("NSCLC")
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"/trials\?q=NSCLC"))
    expect(page.locator(".result-count")).to_have_text("5 trials found.")
    expect(page.locator(".trial-card").first.locator(".trial-card__reasons")).to_contain_text("Condition: NSCLC")
    status = page.locator("fieldset", has=page.locator("legend", has_text="Status"))
    expect(status.get_by_label("Recruiting (5)")).to_be_checked()
    expect(status.get_by_label("Not yet recruiting (1)")).not_to_be_checked()
    page.wait_for_load_state("load")  # measured with the stylesheet applied, not mid-navigation
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className)"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), wide
    assert_axe_clean(page)

    page.get_by_text("Filters (1)").click()  # on a phone the filters start closed
    status.get_by_label("Not yet recruiting (1)").check()
    page.get_by_label("Type of study").select_option("OBSERVATIONAL")
    page.get_by_role("button", name="Show trials").click()
    expect(page.locator(".result-count")).to_have_text("2 trials found.")
    expect(page).to_have_url(re.compile(r"type=OBSERVATIONAL"))
    cards = page.locator(".trial-card h2 a")
    expect(cards).to_have_count(2)
    assert_axe_clean(page)


def test_on_a_phone_the_first_result_comes_first_and_recruiting_can_be_unticked(
    new_page: Callable[..., Page], live_server: str, import_demo: Callable[..., object]
) -> None:
    import_demo(*NSCLC_TRIALS, "NCT02210780")  # and a completed trial
    page = new_page({"width": 375, "height": 812})
    page.goto(f"{live_server}/trials?q=NSCLC")
    page.wait_for_load_state("load")
    filters = page.locator("details.search-filters")
    expect(filters).not_to_have_attribute("open", "")
    expect(page.get_by_label("Takes healthy volunteers")).to_be_hidden()
    first = page.locator(".trial-card").first.locator("h2")
    box = first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 812, box  # on the first screen
    assert_axe_clean(page)

    page.get_by_text("Filters (1)").click()
    recruiting = page.get_by_label("Recruiting (5)")
    expect(recruiting).to_be_checked()
    recruiting.uncheck()
    page.get_by_role("button", name="Show trials").click()
    expect(page.locator(".result-count")).to_have_text("6 trials found.")
    page.get_by_text("Filters (0)").click()
    expect(page.get_by_label("Recruiting (5)")).not_to_be_checked()
    expect(page.get_by_label("Not yet recruiting (1)")).not_to_be_checked()
    assert_axe_clean(page)


def test_on_a_wide_screen_the_filters_are_open(
    new_page: Callable[..., Page], live_server: str, import_demo: Callable[..., object]
) -> None:
    import_demo(*NSCLC_TRIALS)
    page = new_page({"width": 1280, "height": 900})
    page.goto(f"{live_server}/trials?q=NSCLC")
    expect(page.locator("details.search-filters")).to_have_attribute("open", "")
    expect(page.get_by_label("Takes healthy volunteers")).to_be_visible()
    assert_axe_clean(page)
