"""Trial alerts in Chromium: sign up, confirm by email, get an alert, leave with one click."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from playwright.sync_api import Page, Playwright, expect

from portal.extensions import db
from portal.mail.outbox import deliver_due
from tests.alerts.helpers import CHICAGO, study
from tests.browser.axe import assert_axe_clean
from tests.conftest import SmtpServer

START_TRIAL = "NCT04012996"


def deliver(app: Flask) -> None:
    with app.app_context():
        deliver_due(db.session)
        db.session.remove()


def import_by_cli(runner: FlaskCliRunner, tmp_path: Path, record: dict) -> str:  # type: ignore[type-arg]
    path = tmp_path / f"{record['protocolSection']['identificationModule']['nctId']}.json"
    path.write_text(json.dumps(record))
    result = runner.invoke(args=["trials", "import", "--quiet", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def test_sign_up_confirm_alert_and_one_click_unsubscribe(
    app: Flask,
    live_server: str,
    page: Page,
    playwright_instance: Playwright,
    smtp_server: SmtpServer,
    runner: FlaskCliRunner,
    tmp_path: Path,
    import_demo,  # type: ignore[no-untyped-def]
) -> None:
    import_demo(START_TRIAL)
    page.goto(f"{live_server}/trials/{START_TRIAL}")
    page.get_by_role("link", name="Sign up for trial alerts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get alerts about new trials")
    conditions = page.get_by_label("Conditions you want to hear about")
    expect(conditions).to_have_value("Symptomatic Cervical Disc Disease")  # from the trial the patient came from
    assert_axe_clean(page)

    page.get_by_label("Email address").fill("pat@example.org")
    conditions.fill("Lupus")
    page.get_by_label("Your ZIP code or city").fill("Chicago")
    page.get_by_label("How far can you travel?").select_option("50")
    page.get_by_label("Once a week, with all new trials that fit").check()
    page.get_by_label("As soon as a new trial fits").check()
    page.get_by_role("button", name="Sign up for alerts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    assert_axe_clean(page)

    deliver(app)
    [confirmation] = smtp_server.messages
    link = re.search(
        r"https://trials\.example\.org(/alerts/confirm/\S+)", confirmation.get_body(("plain",)).get_content()
    )  # type: ignore[union-attr]
    assert link
    page.goto(live_server + link.group(1))
    assert_axe_clean(page)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your alerts are on")
    assert_axe_clean(page)

    output = import_by_cli(
        runner,
        tmp_path,
        study("NCT90000040", conditions=["Lupus Nephritis"], sites=[("Chicago", CHICAGO, "RECRUITING")]),
    )
    assert "1 new alerts, 1 alert emails" in output
    deliver(app)
    alert = smtp_server.messages[1]
    assert alert["To"] == "pat@example.org" and "NCT90000040" in alert["Subject"]
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = alert["List-Unsubscribe"].split(",")[0].strip(" <>")
    path = unsubscribe_url.removeprefix("https://trials.example.org")

    # What a mail provider does for the unsubscribe button in its interface: one POST, no cookies, no token.
    provider = playwright_instance.request.new_context()
    try:
        response = provider.post(live_server + path, form={"List-Unsubscribe": "One-Click"}, max_redirects=0)
        assert response.status == 200
    finally:
        provider.dispose()
    page.goto(live_server + path)
    expect(page.locator(".lead")).to_have_text("You are not subscribed. You will not get any more alerts from us.")
    assert_axe_clean(page)

    output = import_by_cli(
        runner, tmp_path, study("NCT90000041", conditions=["Lupus"], sites=[("Chicago", CHICAGO, "RECRUITING")])
    )
    assert "0 new alerts" in output
    deliver(app)
    assert len(smtp_server.messages) == 2
