"""The about page in Chromium: reached from the footer, credits the HPO with its version, axe-clean."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from portal.search.synonyms import synonym_credits
from tests.browser.axe import assert_axe_clean


def test_about_page_is_reached_from_the_footer_and_accessible(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/about")
    expect(page.get_by_role("heading", level=1)).to_have_text("About this site")
    version = synonym_credits()["hpo"]["version"]
    expect(page.locator("#hpo")).to_contain_text(f"Human Phenotype Ontology (version {version})")
    assert_axe_clean(page)
    page.get_by_role("link", name="About this site and where its information comes from").click()
    expect(page).to_have_url(f"{live_server}/about")
