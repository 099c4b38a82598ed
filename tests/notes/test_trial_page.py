"""The notes panel on a trial page: the same for every visitor, hidden until the script shows it."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.notes.helpers import TRIAL, share


def panel(html: str) -> str:
    found = re.search(r'<section id="my-notes".*?</section>', html, re.S)
    assert found, "the trial page has no notes panel"
    return found.group(0)


def test_the_panel_is_hidden_without_javascript_and_the_same_for_everyone(
    app: Flask, client: FlaskClient, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    first = client.get(f"/trials/{TRIAL}").get_data(as_text=True)
    share(client)  # a visitor who shared notes sees the same page as before
    second = client.get(f"/trials/{TRIAL}").get_data(as_text=True)
    other = app.test_client().get(f"/trials/{TRIAL}").get_data(as_text=True)
    assert panel(first) == panel(second) == panel(other)
    assert re.search(r'<section id="my-notes"[^>]* hidden[ >]', first)
    assert re.search(r'<li hidden data-notes-ui class="js-notes-toc">', first)
    assert re.search(r'<button type="button" class="note-add-button js-note-add" hidden', first)
    for section in ("overview", "eligibility", "details"):
        assert f'<section id="{section}" aria-labelledby="{section}-heading" data-note-section>' in first
    assert '<script src="/static/js/notes.js" defer></script>' in first


def test_a_passcode_form_left_open_too_long_asks_again(app: Flask, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    response = app.test_client().post("/notes/s/" + "C" * 22, data={"passcode": "maple-river-candle-orbit"})
    assert response.status_code == 400
    assert "This page was open too long. Please enter the passcode again." in response.get_data(as_text=True)
