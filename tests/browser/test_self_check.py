"""'Could this study fit me?' in Chromium: answer in the browser, read the result, delete the answers, and attach
them to a contact request with the separate box."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import ContactRequest
from tests.browser.axe import assert_axe_clean
from tests.self_check.helpers import OPEN_TRIAL

FIRST_INCLUSION = "Age ≥18 and ≤69 years."


def answer(page: Page, legend: str, choice: str) -> None:
    page.locator("fieldset.self-check__question", has=page.locator("legend", has_text=legend)).get_by_label(
        choice, exact=True
    ).check()


def test_a_patient_answers_in_the_browser_and_attaches_the_answers_to_a_request(
    app: Flask, live_server: str, page: Page, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(OPEN_TRIAL)
    page.goto(f"{live_server}/trials/{OPEN_TRIAL}")
    page.get_by_role("link", name=re.compile(r"Answer the questions \(16 criteria\)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Could this study fit me?")
    assert_axe_clean(page)

    page.get_by_label("Your age in years").fill("72")
    answer(page, "Your sex, as the study defines it", "Female")
    answer(page, FIRST_INCLUSION, "Yes")
    exclusion = page.locator("fieldset[data-kind=exclusion] legend").first.inner_text()
    answer(page, exclusion, "Not sure")
    requests = []
    page.on("request", lambda request: requests.append(request) if request.method == "POST" else None)
    page.get_by_role("button", name="See which answers fit").click()

    result = page.locator(".js-self-check-result")
    expect(result).to_be_visible()
    expect(result).to_be_focused()
    expect(result.locator(".self-check__ruled-out")).to_contain_text(
        "Because of your age, this study does not take you: it takes people aged 18 to 69 years."
    )
    expect(result.get_by_role("link", name="Look for other open trials")).to_have_attribute(
        "href", re.compile(r"^/trials\?q=")
    )
    expect(result.locator(".self-check__list--fits")).to_contain_text(FIRST_INCLUSION)
    expect(result.locator(".self-check__list--not-sure")).to_contain_text(exclusion)
    expect(result.locator("p").last).to_have_text("Only the study team can tell whether you can take part.")
    assert not re.search(r"eligib", result.inner_text(), re.I)
    assert requests == []  # evaluated in the browser: nothing went to the server
    assert_axe_clean(page)

    # The answers stay in this tab: a reload keeps them; "Delete my answers" forgets them.
    page.reload()
    expect(page.get_by_label("Your age in years")).to_have_value("72")
    page.get_by_role("button", name="Delete my answers").click()
    expect(page.get_by_label("Your age in years")).to_have_value("")
    expect(page.locator(".js-self-check-status")).to_have_text("Your answers were deleted from this browser.")
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('trialPortal.selfCheck'))") == []

    page.get_by_label("Your age in years").fill("47")
    answer(page, FIRST_INCLUSION, "Yes")
    answer(page, exclusion, "Not sure")
    page.get_by_role("button", name="See which answers fit").click()
    expect(result.locator(".self-check__ruled-out")).to_have_count(0)
    expect(result.locator(".self-check__list--fits")).to_contain_text("Your age is within the study's age limits")
    result.get_by_role("link", name="Ask the study team about this trial").click()

    form = page.locator("#contact")
    form.get_by_label("Your ZIP code or city").fill("90210")
    form.get_by_role("button", name="Find the nearest site").click()
    expect(page.locator(".js-location-status")).to_contain_text("Beverly Hills")
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill("Lima")
    page.get_by_role("textbox", name=re.compile("^Email")).fill("ana@example.org")
    page.get_by_label("Phone number").fill("(310) 555-0142")
    page.get_by_label(re.compile("I agree that these details are shared")).check()
    attach = page.get_by_label(re.compile("Also send my answers"))
    expect(attach).not_to_be_checked()
    attach.check()
    assert_axe_clean(page)
    page.get_by_role("button", name="Send my details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details were sent")

    with app.app_context():
        request = db.session.scalars(select(ContactRequest)).one()
        assert request.self_check_answers is not None
        assert [(row["kind"], row["answer"]) for row in request.self_check_answers] == [
            ("age", "47"),
            ("inclusion", "yes"),
            ("exclusion", "not-sure"),
        ]


def test_without_javascript_the_server_answers_and_the_answers_can_still_be_attached(
    app: Flask, live_server: str, new_page: Callable[..., Page], import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(OPEN_TRIAL)
    page = new_page(java_script_enabled=False)
    page.goto(f"{live_server}/trials/{OPEN_TRIAL}/self-check")
    page.get_by_label("Your age in years").fill("30")
    answer(page, FIRST_INCLUSION, "No")
    page.get_by_role("button", name="See which answers fit").click()
    result = page.locator(".self-check__result")
    expect(result.locator(".self-check__list--does-not-fit")).to_contain_text(FIRST_INCLUSION)
    expect(result.locator(".self-check__closing")).to_have_text(
        "Only the study team can tell whether you can take part."
    )
    expect(page.get_by_label("Your age in years")).to_have_value("30")
    # axe-core runs as a script: check the server's result page in a page that runs scripts
    checker = new_page()
    checker.goto(f"{live_server}/trials/{OPEN_TRIAL}/self-check")
    checker.set_content(page.content())
    assert_axe_clean(checker)

    page.get_by_role("button", name="Ask the study team, with these answers").click()
    expect(page.get_by_text("are ready to attach, if you tick the box above")).to_be_visible()
    page.get_by_label("Study site").select_option(index=1)
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill("Lima")
    page.get_by_role("textbox", name=re.compile("^Email")).fill("ana@example.org")
    page.get_by_label("Phone number").fill("(310) 555-0142")
    page.get_by_label(re.compile("I agree that these details are shared")).check()
    page.get_by_label(re.compile("Also send my answers")).check()
    page.get_by_role("button", name="Send my details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details were sent")
    with app.app_context():
        request = db.session.scalars(select(ContactRequest)).one()
        assert [(row["kind"], row["answer"]) for row in request.self_check_answers or []] == [
            ("age", "30"),
            ("inclusion", "no"),
        ]
