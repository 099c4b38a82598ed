"""Explained words in Chromium: reached with Tab, opened with Enter, closed with Escape, axe-clean; without
JavaScript a plain link to the glossary entry."""

from __future__ import annotations

import json
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.axe import assert_axe_clean

TRIAL = "NCT04012996"
DEFINITION = "People are put in groups by chance, like flipping a coin."


def test_an_explained_word_opens_and_closes_with_the_keyboard(
    page: Page, live_server: str, import_demo: Callable[..., object]
) -> None:
    import_demo(TRIAL)
    page.goto(f"{live_server}/trials/{TRIAL}")
    button = page.locator("#overview .glossary-term__button", has_text="randomized").first
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_accessible_description("Shows what this word means")
    for _ in range(300):
        page.keyboard.press("Tab")
        if button.evaluate("element => element === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the explained word")
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    popover = page.locator("#" + button.get_attribute("aria-controls"))
    expect(popover).to_be_visible()
    expect(popover).to_contain_text(DEFINITION)
    more = popover.get_by_role("link", name="Read more in the glossary")
    expect(more).to_have_attribute("href", "/glossary#randomized")
    assert_axe_clean(page)
    page.keyboard.press("Escape")
    expect(popover).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    # A second word: one open at a time.
    other = page.locator("#testing .glossary-term__button").first
    other.click()
    expect(other).to_have_attribute("aria-expanded", "true")
    button.click()
    expect(other).to_have_attribute("aria-expanded", "false")
    expect(popover).to_be_visible()


def test_without_javascript_an_explained_word_is_a_link_to_the_glossary(
    new_page: Callable[..., Page], live_server: str, import_demo: Callable[..., object]
) -> None:
    import_demo(TRIAL)
    page = new_page(java_script_enabled=False)
    page.goto(f"{live_server}/trials/{TRIAL}")
    link = page.locator("#overview a.glossary-term", has_text="randomized")
    expect(link).to_have_attribute("href", "/glossary#randomized")
    expect(page.locator(".glossary-term__button")).to_have_count(0)
    link.click()
    expect(page).to_have_url(f"{live_server}/glossary#randomized")
    expect(page.locator("#randomized")).to_contain_text(DEFINITION)
    expect(page.locator("#randomized")).to_be_in_viewport()
    # axe needs JavaScript: check the links as they stand with only glossary.js kept out.
    checked = new_page()
    checked.route("**/static/js/glossary.js*", lambda route: route.abort())
    checked.goto(f"{live_server}/trials/{TRIAL}")
    expect(checked.locator("#overview a.glossary-term").first).to_be_visible()
    assert_axe_clean(checked)


def test_the_glossary_page_searches_without_javascript_and_is_accessible(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/glossary")
    assert_axe_clean(page)
    page.get_by_label("Find a word").fill("washout")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{live_server}/glossary?q=washout")
    expect(page.locator(".glossary-entry dt")).to_contain_text(["Washout"])
    assert_axe_clean(page)


def test_a_note_on_text_with_an_explained_word_is_still_highlighted(
    page: Page, live_server: str, import_demo: Callable[..., object]
) -> None:
    """Notes anchor on the page's text: an explained word is part of it, its definition is not."""
    import_demo(TRIAL)
    page.goto(f"{live_server}/trials/{TRIAL}")
    note = {
        "id": "n1",
        "section": "overview",
        "sectionTitle": "Overview",
        "quote": "prospective, randomized, controlled",
        "prefix": "",
        "suffix": "",
        "note": "Ask about the groups",
        "created": "2026-01-01T00:00:00Z",
        "updated": "2026-01-01T00:00:00Z",
    }
    page.evaluate(
        "([key, value]) => localStorage.setItem(key, value)", [f"trialPortal.notes.{TRIAL}", json.dumps([note])]
    )
    page.reload()
    marks = page.locator("#overview mark.note-mark")
    expect(marks).to_have_count(3)
    assert "".join(marks.all_text_contents()) == "prospective, randomized, controlled"
    button = page.locator("#overview .glossary-term__button", has_text="randomized")
    expect(button.locator("mark.note-mark")).to_have_text("randomized")
    button.click()
    expect(page.locator("#" + button.get_attribute("aria-controls"))).to_contain_text(DEFINITION)


def test_an_explained_word_reads_as_part_of_its_sentence(
    new_page: Callable[..., Page], live_server: str, import_demo: Callable[..., object]
) -> None:
    # On a phone, the word keeps its paragraph's line height and look (not a 44 px button box that made its line
    # taller than the others), and hovering it does not paint it like a button.
    import_demo(TRIAL)
    page = new_page({"width": 375, "height": 812})
    page.goto(f"{live_server}/trials/{TRIAL}")
    button = page.locator("#overview .glossary-term__button", has_text="randomized").first
    expect(button).to_be_visible()
    looks = button.evaluate(
        """element => {
            const paragraph = element.closest("p, li, dd") || element.parentElement.parentElement;
            const style = getComputedStyle(element);
            return {
                height: element.getBoundingClientRect().height,
                lineHeight: parseFloat(getComputedStyle(paragraph).lineHeight),
                weight: style.fontWeight,
                paragraphWeight: getComputedStyle(paragraph).fontWeight,
            };
        }"""
    )
    assert looks["height"] <= looks["lineHeight"] + 1, looks
    assert looks["weight"] == looks["paragraphWeight"]
    button.hover()
    assert button.evaluate("element => getComputedStyle(element).backgroundColor") == "rgba(0, 0, 0, 0)"
