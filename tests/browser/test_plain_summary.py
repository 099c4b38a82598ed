"""Plain summaries in Chromium: a site member previews (grade as they type), saves and finds it on the trial page;
an operator reviews one that a re-import flagged."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import PlainSummary, Trial
from portal.models.base import utcnow
from portal.models.plain_summary import registry_summary_hash
from tests.browser.axe import assert_axe_clean
from tests.staff import ALICE, PASSWORD, TRIAL
from tests.summaries.helpers import OPS, PLAIN, people


def test_a_site_member_previews_saves_and_sees_the_summary_on_the_trial_page(
    app: Flask,
    live_server: str,
    page: Page,
    import_demo,  # type: ignore[no-untyped-def]
) -> None:
    people(app, import_demo)
    page.goto(f"{live_server}/site/")
    page.get_by_label("Email").fill(ALICE)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name=f"In plain words: {TRIAL}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"In plain words: {TRIAL}")
    assert_axe_clean(page)

    grade = page.locator("#reading-grade")
    expect(grade).to_contain_text("Write a few sentences to see the reading grade.")
    page.get_by_label("In plain words").fill(PLAIN)
    expect(grade).to_contain_text("Reading grade: about grade")  # as they type (static/js/plain-summary.js)
    page.get_by_role("button", name="Preview and reading grade").click()
    expect(grade).to_contain_text("Reading grade: about grade")
    expect(page.locator(".preview li").first).to_have_text("You have surgery to put in two new discs.")
    expect(page.get_by_label("In plain words")).to_have_value(PLAIN)
    assert_axe_clean(page)

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved.")

    page.get_by_role("link", name="Open the trial's page").click()
    summary = page.locator("#plain-summary")
    expect(summary.get_by_role("heading", level=2)).to_have_text("In plain words")
    expect(summary).to_contain_text("We want to find out if a new neck disc works")
    expect(summary).to_contain_text("Written by the study team at ")
    # The registry's own summary is one click away.
    summary.get_by_role("link", name="Read the registry's own summary").click()
    assert page.evaluate("location.hash") == "#overview"
    expect(page.locator("#overview")).to_contain_text("A multi-center, prospective, randomized")
    assert_axe_clean(page)


def test_an_operator_sees_a_summary_that_needs_review_with_the_old_and_new_registry_text(
    app: Flask,
    live_server: str,
    page: Page,
    import_demo,  # type: ignore[no-untyped-def]
) -> None:
    people(app, import_demo)
    with app.app_context():
        trial = db.session.scalars(select(Trial).where(Trial.nct_id == TRIAL)).one()
        db.session.add(
            PlainSummary(
                trial_id=trial.id,
                markdown=PLAIN,
                written_by="portal",
                registry_summary_hash=registry_summary_hash("An older registry summary."),
                registry_summary_text="An older registry summary.",
                needs_review=True,
                flagged_at=utcnow(),
            )
        )
        db.session.commit()
    page.goto(f"{live_server}/admin/trials")
    page.get_by_label("Email").fill(OPS)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".notice")).to_contain_text("1 plain-language summary needs review")
    assert_axe_clean(page)
    page.get_by_role("link", name="Review them").click()
    page.get_by_text(f"What changed in {TRIAL}").click()
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("Needs review")
    expect(row).to_contain_text("An older registry summary.")
    expect(row).to_contain_text("A multi-center, prospective, randomized")
    assert_axe_clean(page)
    # Not on the public page until someone saves it again.
    page.goto(f"{live_server}/trials/{TRIAL}")
    expect(page.locator("#plain-summary")).to_have_count(0)
