"""A partial copy of a record in a real browser: the incomplete-record notice at the top, nothing made up, and
axe-core clean."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_axe_clean
from tests.conftest import CTGOV_BULK, import_files

PARTIAL_EXPORT = CTGOV_BULK / "dgarzon11__clinicaltrialsHFpEF__duchenne_studies_sample.json.gz"
INFANT_TRIAL = "NCT05412394"  # recruiting; this copy has no description, eligibility or locations module
NOT_GIVEN = "Not given in this copy of the record"


def test_an_incomplete_copy_says_so_first_and_claims_nothing(page: Page, live_server: str, app: Flask) -> None:
    assert import_files(app, PARTIAL_EXPORT).failed == 0
    page.goto(f"{live_server}/trials/{INFANT_TRIAL}")

    notice = page.locator(".trial-header .record-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("This copy of the record is incomplete.")
    link = notice.get_by_role("link", name="Read the full record on ClinicalTrials.gov")
    expect(link).to_have_attribute("href", f"https://clinicaltrials.gov/study/{INFANT_TRIAL}")
    facts = page.locator(".trial-facts")
    expect(facts.locator("li", has_text="Ages:")).to_have_text(f"Ages: {NOT_GIVEN}")
    expect(facts.locator("li", has_text="Sex:")).to_have_text(f"Sex: {NOT_GIVEN}")
    for section in ("overview", "eligibility", "locations"):
        expect(page.locator(f"#{section}")).to_contain_text(NOT_GIVEN)
    body = page.locator("main")
    expect(body).not_to_contain_text("Any age")
    expect(body).not_to_contain_text("No study locations are listed yet")

    assert_axe_clean(page)
