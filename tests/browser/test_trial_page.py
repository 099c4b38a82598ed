"""What a reader sees in a real browser: trial page content, keyboard use, accessibility (axe-core), small screens,
and no third-party requests."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from playwright.sync_api import ConsoleMessage, Locator, Page, Request, expect

from portal.extensions import db
from portal.faqs.defaults import DEFAULT_FAQS
from portal.faqs.services import seed_default_faqs
from portal.trials import freshness
from tests.browser.axe import assert_axe_clean

MODEL_TRIAL = "NCT04012996"  # recruiting, 18 to 69 years, 5 inclusion and 11 exclusion criteria, 33 sites
BIG_TRIAL = "NCT04267848"  # 1,148 sites: United States (by state) and Guam
OUTCOMES_TRIAL = "NCT02552212"  # 4 groups with a placebo, quadruple-blind, 20 secondary outcomes
CONTACTS_ONLY_TRIAL = "NCT06609317"  # not yet recruiting, no sites: its central contact is the way in
SMALL_SCREEN = {"width": 375, "height": 812}


def seed_faqs(app: Flask) -> None:
    with app.app_context():
        seed_default_faqs(db.session)
        db.session.commit()
        db.session.remove()


def fact(page: Page, section: str, term: str) -> Locator:
    """The <dd> that belongs to a <dt> in a section's definition list."""
    row = page.locator(f"#{section} dl > div").filter(has=page.locator("dt", has_text=term))
    return row.locator("dd")


def test_trial_page_shows_a_reader_the_essentials(
    page: Page, live_server: str, app: Flask, import_demo: Callable[..., object]
) -> None:
    import_demo(MODEL_TRIAL)
    seed_faqs(app)

    response = page.goto(f"{live_server}/trials/{MODEL_TRIAL}")
    assert response is not None and response.status == 200

    expect(page.locator("h1")).to_have_text(
        "2-level Cervical Disc Replacement Comparing Prodisc C SK & Vivo to Mobi-C (SMART)"
    )
    facts = page.locator(".trial-facts")
    expect(facts.locator(".badge")).to_have_text("Recruiting")
    expect(facts.locator("li", has_text="Ages:")).to_have_text("Ages: 18 to 69 years")

    eligibility = page.locator("#eligibility")
    expect(eligibility.locator("h2")).to_have_text("Who can take part")
    expect(fact(page, "eligibility", "Ages")).to_have_text("18 to 69 years")
    inclusion = eligibility.locator(".criteria-section--inclusion")
    exclusion = eligibility.locator(".criteria-section--exclusion")
    expect(inclusion.locator("h3")).to_contain_text("Inclusion")
    expect(exclusion.locator("h3")).to_contain_text("Exclusion")
    inclusion_items = inclusion.locator("ul.criteria > li")
    exclusion_items = exclusion.locator("ul.criteria > li")
    expect(inclusion_items).to_have_count(5)
    expect(exclusion_items).to_have_count(11)
    for items in (inclusion_items, exclusion_items):
        expect(items.first).to_be_visible()
        expect(items.last).to_be_visible()
    expect(inclusion_items.nth(2)).to_contain_text("Symptomatic cervical disc disease")
    expect(exclusion_items.last).to_contain_text("heavy smoking")

    expect(fact(page, "details", "NCT ID")).to_contain_text(MODEL_TRIAL)
    expect(fact(page, "details", "Sponsor")).to_have_text("Centinel Spine")

    faq_questions = page.locator("#faqs .faq h3")
    expect(faq_questions).to_have_count(len(DEFAULT_FAQS))
    expect(faq_questions.first).to_be_visible()
    expect(faq_questions.first).to_have_text(DEFAULT_FAQS[0][0])
    expect(page.locator("#faqs .faq").first.locator("p")).to_be_visible()

    assert_axe_clean(page)


def test_big_trial_places_lead_by_keyboard_to_a_state_page_and_a_site_chosen_in_the_form(
    page: Page, live_server: str, import_demo: Callable[..., object]
) -> None:
    """1,148 sites: the page lists the countries and states, each a link; a state's page lists its sites, and
    "Contact this site" opens the contact form with that site chosen. Links only: no script needed."""
    import_demo(BIG_TRIAL)
    page.goto(f"{live_server}/trials/{BIG_TRIAL}")

    locations = page.locator("#locations")
    expect(locations.locator("p").first).to_contain_text(re.compile(r"\b1,?148 study sites in 2 countries\b"))
    expect(locations.locator(".sites li")).to_have_count(0)
    california = locations.get_by_role("link", name="California", exact=True)
    expect(california.locator("xpath=..")).to_contain_text("97 sites, 55 recruiting")
    california.focus()
    expect(california).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("Study sites in California, United States")
    expect(page.locator(".sites li")).to_have_count(97)
    assert_axe_clean(page)

    contact = page.locator("a.site-contact").first
    site_name = contact.locator("xpath=..").locator("b").inner_text()
    contact.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#site")).to_be_visible()
    expect(page.locator("#site option:checked")).to_contain_text(site_name)
    assert_axe_clean(page)


def test_a_state_page_reads_well_on_a_small_screen(
    page: Page, live_server: str, import_demo: Callable[..., object]
) -> None:
    import_demo(BIG_TRIAL)
    page.set_viewport_size(SMALL_SCREEN)
    page.goto(f"{live_server}/trials/{BIG_TRIAL}/locations?country=United+States&region=California")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "nothing should scroll sideways on a phone"
    expect(page.locator(".breadcrumbs")).to_be_visible()
    assert_axe_clean(page)


def test_trial_list_and_home_page_are_accessible(
    page: Page, live_server: str, import_demo: Callable[..., object]
) -> None:
    import_demo(MODEL_TRIAL, BIG_TRIAL)

    page.goto(f"{live_server}/trials")
    expect(page.locator("h1")).to_have_text("Find a trial")
    expect(page.locator(".trial-card")).to_have_count(2)
    assert_axe_clean(page)

    page.goto(f"{live_server}/")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#home-numbers + p")).to_contain_text("2 trials are listed.")
    assert_axe_clean(page)


def test_what_the_study_tests_reads_plainly_and_its_other_outcomes_open_with_the_keyboard(
    page: Page, live_server: str, import_demo: Callable[..., object]
) -> None:
    import_demo(OUTCOMES_TRIAL)
    page.goto(f"{live_server}/trials/{OUTCOMES_TRIAL}")

    testing = page.locator("#testing")
    expect(testing.locator("h2")).to_have_text("What the study is testing")
    expect(testing.locator(".arm-meanings")).to_contain_text(
        "Some people in this study get a placebo (a look-alike with no active medicine)."
    )
    expect(fact(page, "testing", "How groups are chosen")).to_have_text(
        "A computer decides by chance which group you are in (randomized)."
    )
    expect(testing.locator(".outcomes--primary > li").first).to_be_visible()

    more = testing.locator("details.more-outcomes")
    expect(more.locator(".outcomes--secondary > li").first).to_be_hidden()
    summary = more.locator("summary")
    expect(summary).to_have_text("20 other results")
    summary.focus()
    page.keyboard.press("Enter")
    expect(more).to_have_attribute("open", "")
    expect(more.locator(".outcomes--secondary > li")).to_have_count(20)
    expect(more.locator(".outcomes--secondary > li").last).to_be_visible()

    assert_axe_clean(page)


def test_an_open_trial_without_a_form_points_to_its_central_contacts(
    page: Page, live_server: str, import_demo: Callable[..., object]
) -> None:
    import_demo(CONTACTS_ONLY_TRIAL)
    page.goto(f"{live_server}/trials/{CONTACTS_ONLY_TRIAL}")

    expect(page.locator("#contact")).to_have_count(0)
    # On a wide screen the button sits in the "In short" side column (the header's copy is for phones).
    expect(page.locator(".trial-header a.button", has_text="Contact the study team")).to_be_hidden()
    page.locator("#in-short a.button", has_text="Contact the study team").click()
    assert page.url.endswith("#team")
    team = page.locator("#team")
    expect(team.locator("h2")).to_have_text("Contact the study team")
    expect(team.locator("a[href^='mailto:']").first).to_have_text("katiepropst@usf.edu")
    expect(team.locator("a[href^='tel:']").first).to_have_text("813-259-0655")

    assert_axe_clean(page)


@pytest.mark.parametrize("viewport", [SMALL_SCREEN], indirect=True)
@pytest.mark.parametrize("nct_id", [MODEL_TRIAL, BIG_TRIAL, OUTCOMES_TRIAL])
def test_trial_page_does_not_scroll_sideways_on_a_small_phone(
    page: Page, live_server: str, app: Flask, import_demo: Callable[..., object], nct_id: str
) -> None:
    import_demo(nct_id)
    seed_faqs(app)
    page.goto(f"{live_server}/trials/{nct_id}")
    assert page.evaluate("window.innerWidth") == SMALL_SCREEN["width"]

    # Closed groups take no width; open them all so long facility names and outcomes are measured too.
    page.locator("#locations details, #testing details").evaluate_all("ds => ds.forEach(d => { d.open = true; })")
    overflow = page.evaluate(
        """() => {
          const limit = document.documentElement.clientWidth;
          const wide = [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > limit + 0.5)
            .slice(0, 5)
            .map(el => `${el.tagName.toLowerCase()}.${el.className}: right=${el.getBoundingClientRect().right}`);
          return {scrollWidth: document.documentElement.scrollWidth, wide};
        }"""
    )
    assert overflow["scrollWidth"] <= SMALL_SCREEN["width"], (
        f"the page scrolls sideways at {SMALL_SCREEN['width']} px: scrollWidth={overflow['scrollWidth']}; "
        f"widest elements: {overflow['wide']}"
    )


def test_pages_load_nothing_from_another_origin_and_log_no_errors(
    page: Page, live_server: str, app: Flask, import_demo: Callable[..., object]
) -> None:
    import_demo(MODEL_TRIAL)
    seed_faqs(app)
    requests: list[str] = []
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text}")

    def on_request(request: Request) -> None:
        requests.append(request.url)

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))

    # "#locations" first: a hash change on the same document would not be a new navigation.
    for path in (f"/trials/{MODEL_TRIAL}#locations", "/", "/trials", f"/trials/{MODEL_TRIAL}"):
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.ok, path
        page.wait_for_load_state("load")

    for sheet in ("tokens", "base", "components", "pages", "search", "print"):
        assert f"{live_server}/static/css/{sheet}.css" in requests, sheet
    assert any(url.startswith(f"{live_server}/static/js/portal.js") for url in requests)
    foreign = [url for url in requests if not url.startswith(live_server + "/")]
    assert not foreign, f"requests to another origin: {foreign}"
    assert not errors, "errors in the browser console:\n" + "\n".join(errors)


def test_a_closed_trial_says_so_first_and_an_open_one_may_be_flagged_out_of_date(
    page: Page, live_server: str, import_demo: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    import_demo(OUTCOMES_TRIAL, MODEL_TRIAL)  # completed; recruiting, status verified October 2022
    monkeypatch.setattr(freshness, "today", lambda: date(2024, 1, 15))

    page.goto(f"{live_server}/trials/{MODEL_TRIAL}")
    flag = page.locator(".trial-header .status-notice--stale")
    expect(flag).to_contain_text(
        "This study’s status may be out of date. The study team last confirmed it in October 2022."
    )
    expect(page.locator(".trial-facts")).to_contain_text("Status last verified: October 2022")
    assert_axe_clean(page)

    page.goto(f"{live_server}/trials/{OUTCOMES_TRIAL}")
    notice = page.locator(".trial-header .status-notice--closed")
    expect(notice).to_contain_text("This study is not looking for new participants.")
    expect(page.locator(".trial-header .status-notice--stale")).to_have_count(0)
    expect(page.locator("#locations .sites__label", has_text="Recruiting")).to_have_count(0)
    assert_axe_clean(page)

    notice.get_by_role("link", name="Find trials of Axial Spondyloarthritis that are looking for people").click()
    expect(page).to_have_url(re.compile(r"/trials\?q=Axial\+Spondyloarthritis$"))
    expect(page.locator("#search-q")).to_have_value("Axial Spondyloarthritis")
    status = page.locator("fieldset", has=page.locator("legend", has_text="Status"))
    expect(status.get_by_label(re.compile(r"^Recruiting"))).to_be_checked()
