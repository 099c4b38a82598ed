"""The portal team works the phone queue in a real browser: the numbers, a refused outcome, a recorded one."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Site, Trial
from tests.browser.axe import assert_axe_clean
from tests.contact.helpers import TRIAL, post_contact
from tests.staff import PASSWORD, make_user

ADMIN = "ops@example.org"


def test_an_operator_records_a_call_from_the_queue(app: Flask, live_server: str, page: Page, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    with app.app_context():
        site = db.session.scalars(select(Site).where(Site.facility == "Flagstaff Bone and Joint")).one()
        site.contacts = [{"name": "Cari Nelson", "role": "CONTACT", "phone": "928-555-0100"}]
        db.session.scalars(select(Trial)).one().central_contacts = []
        db.session.commit()
        site_id = site.id
    assert post_contact(app.test_client(), TRIAL, site=str(site_id)).status_code == 302
    make_user(app, ADMIN, role="admin")

    page.goto(f"{live_server}/admin/requests/")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Phone queue")
    expect(page.get_by_role("link", name="928-555-0100")).to_be_visible()
    assert_axe_clean(page)

    # A choice with no note: refused beside the note, the choice kept.
    page.get_by_label("Could not reach").check()
    page.get_by_role("button", name="Record the call").click()
    expect(page.locator(".field-error")).to_contain_text("Please write a note")
    expect(page.get_by_label("Could not reach")).to_be_checked()
    assert_axe_clean(page)

    page.get_by_label("Note").fill("Rang twice, no answer. Try Monday.")
    page.get_by_role("button", name="Record the call").click()
    expect(page.get_by_role("status")).to_contain_text("Could not reach")
    page.get_by_role("link", name="Flagstaff Bone and Joint").click()
    expect(page.locator(".history")).to_contain_text("Rang twice, no answer. Try Monday.")
    assert_axe_clean(page)
