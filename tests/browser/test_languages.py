"""The portal in Spanish and Chinese in a real browser: axe-core clean in each language (lang attributes, the
registry's English marked as such), the switcher works by keyboard without JavaScript, the scripts speak the page's
language, and the Chinese trial page fits a 375 px phone (CJK text breaks inside buttons instead of overflowing)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_axe_clean
from tests.browser.test_trial_page import MODEL_TRIAL, SMALL_SCREEN, seed_faqs

SCREENSHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


@pytest.mark.parametrize("lang", ["es", "zh-Hans"])
def test_pages_are_axe_clean_in_each_language(
    page: Page, live_server: str, app: Flask, import_demo: Callable[..., object], lang: str
) -> None:
    import_demo(MODEL_TRIAL)
    seed_faqs(app)
    for path in ("/", "/trials?q=knee", f"/trials/{MODEL_TRIAL}", "/glossary", "/alerts/", "/about"):
        page.goto(f"{live_server}{path}{'&' if '?' in path else '?'}lang={lang}")
        assert page.evaluate("document.documentElement.lang") == lang
        assert_axe_clean(page)


def test_the_switcher_is_reached_by_keyboard_and_remembers_the_choice(
    new_page: Callable[..., Page], live_server: str
) -> None:
    page = new_page(java_script_enabled=False)  # plain links: no script needed
    page.goto(f"{live_server}/about")
    switcher = page.get_by_role("navigation", name="Language")
    spanish = switcher.get_by_role("link", name="Español")
    spanish.focus()
    expect(spanish).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/about?lang=es")
    assert page.evaluate("document.documentElement.lang") == "es"
    page.goto(f"{live_server}/glossary")  # no choice in the URL: the cookie keeps Spanish
    assert page.evaluate("document.documentElement.lang") == "es"
    expect(page.locator('.language-switcher a[aria-current="true"]')).to_have_text("Español")


def test_the_scripts_use_the_pages_catalogue(page: Page, live_server: str, app: Flask, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(MODEL_TRIAL)
    page.goto(f"{live_server}/trials/{MODEL_TRIAL}?lang=es")
    messages = page.evaluate("window.portalMessages")
    assert messages["lang"] == "es"
    with app.test_request_context():
        from flask_babel import force_locale, gettext

        with force_locale("es"):
            expected = gettext("Link copied.")
    assert page.evaluate("window.portalI18n.gettext('Link copied.')") == expected
    one = page.evaluate("window.portalI18n.ngettext('Works until %(date)s · %(num)d note', "
                        "'Works until %(date)s · %(num)d notes', 1, {date: 'X'})")
    assert "1" in one and "X" in one and "%(" not in one


@pytest.mark.parametrize("viewport", [SMALL_SCREEN], indirect=True)
def test_the_chinese_trial_page_fits_a_small_phone(
    page: Page, live_server: str, app: Flask, import_demo: Callable[..., object]
) -> None:
    import_demo(MODEL_TRIAL)
    seed_faqs(app)
    page.goto(f"{live_server}/trials/{MODEL_TRIAL}?lang=zh-Hans")
    page.locator("#locations details, #testing details").evaluate_all("ds => ds.forEach(d => { d.open = true; })")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "trial-zh-Hans-375.png"), full_page=True)
    page.screenshot(path=str(SCREENSHOTS / "trial-zh-Hans-375-top.png"))  # the first screen, to look at
    overflow = page.evaluate(
        """() => {
          const limit = document.documentElement.clientWidth;
          const wide = [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > limit + 0.5)
            .slice(0, 5)
            .map(el => `${el.tagName.toLowerCase()}.${el.className}: right=${el.getBoundingClientRect().right}`);
          const buttons = [...document.querySelectorAll('button, .button, input[type=submit]')]
            .filter(el => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
            .map(el => el.outerHTML.slice(0, 120));
          return {scrollWidth: document.documentElement.scrollWidth, wide, buttons};
        }"""
    )
    assert overflow["scrollWidth"] <= SMALL_SCREEN["width"], overflow["wide"]
    assert overflow["buttons"] == [], "text overflows these buttons"
