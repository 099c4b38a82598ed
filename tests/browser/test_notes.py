"""Private notes in Chromium: add one on selected text, find it after a reload, share it, open it elsewhere, revoke."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_axe_clean

TRIAL = "NCT04012996"
QUOTE = "controlled comparison of the prodisc C SK"  # plain text: no explained word inside
NOTE = 'Ask the doctor: what is the control? <script>alert("x")</script>'


def select_text(page: Page, section: str, text: str) -> None:
    """Select `text` inside a section, as a drag with the mouse or shift+arrows would."""
    page.evaluate(
        """([section, text]) => {
          const walker = document.createTreeWalker(document.getElementById(section), NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const at = walker.currentNode.nodeValue.indexOf(text);
            if (at >= 0) {
              const range = document.createRange();
              range.setStart(walker.currentNode, at);
              range.setEnd(walker.currentNode, at + text.length);
              getSelection().removeAllRanges();
              getSelection().addRange(range);
              return;
            }
          }
          throw new Error("text not found: " + text);
        }""",
        [section, text],
    )


def test_a_note_is_kept_shared_with_a_passcode_and_revoked(
    live_server: str, page: Page, new_page: Callable[..., Page], import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    page.on("dialog", lambda dialog: dialog.accept())  # the "stop sharing?" confirmation
    page.goto(f"{live_server}/trials/{TRIAL}")
    panel = page.locator("#my-notes")
    expect(panel.get_by_role("heading", name="My notes")).to_be_visible()
    expect(panel).to_contain_text("Your notes are kept only in this web browser, on this device.")
    notes_link = page.locator("nav.toc").get_by_role("link", name="My notes (0)")
    expect(notes_link).to_be_visible()

    select_text(page, "overview", QUOTE)
    add = page.get_by_role("button", name="Add note", exact=True)
    expect(add).to_be_visible()
    add.click()
    dialog = page.get_by_role("dialog", name="Your note")
    expect(dialog.locator("blockquote")).to_have_text(QUOTE)
    assert_axe_clean(page)
    dialog.get_by_label("Note").fill(NOTE)
    dialog.get_by_role("button", name="Save note").click()
    expect(page.locator("#overview mark.note-mark")).to_have_text(QUOTE)
    expect(page.locator("nav.toc").get_by_role("link", name="My notes (1)")).to_be_visible()

    page.reload()
    expect(page.locator("#overview mark.note-mark")).to_have_text(QUOTE)
    note = panel.locator(".note-item")
    expect(note.locator(".note-item__quote")).to_have_text(QUOTE)
    expect(note.locator(".note-item__text")).to_have_text(NOTE)  # shown as text, never run
    assert_axe_clean(page)

    panel.get_by_role("button", name="Share my notes").click()
    panel.get_by_role("button", name="Create the link").click()
    expect(panel.get_by_role("heading", name="Your link is ready")).to_be_visible()
    link = panel.get_by_label("Link", exact=True).input_value()
    passcode = panel.locator(".js-share-passcode").inner_text()
    assert re.fullmatch(
        rf"{re.escape(live_server)}/notes/s/[\w-]{{22,}}", link.replace("https://trials.example.org", live_server)
    )
    assert re.fullmatch(r"[a-z]+-[a-z]+-[a-z]+-[a-z]+", passcode)
    expect(panel.locator(".share-item")).to_have_count(1)
    panel.get_by_label("Send the link (not the passcode) to this address").fill("sam@example.org")
    panel.get_by_role("button", name="Send the link").click()
    expect(panel.locator(".js-email-status")).to_have_text(
        "We are sending the link by email. Remember to give the passcode separately."
    )
    assert_axe_clean(page)

    recipient = new_page()  # a fresh browser context: no notes, no cookies
    share_url = link.replace("https://trials.example.org", live_server)
    recipient.goto(share_url)
    recipient.get_by_label("Passcode").fill("wrong-words-are-here")
    recipient.get_by_role("button", name="Show the notes").click()
    expect(recipient.locator(".field-error")).to_have_text(
        "This passcode does not open this link. Check the passcode and the link, and try again."
    )
    assert_axe_clean(recipient)
    recipient.get_by_label("Passcode").fill(passcode)
    recipient.get_by_role("button", name="Show the notes").click()
    expect(recipient.locator(".shared-note__quote")).to_have_text(QUOTE)
    expect(recipient.locator(".shared-note__text")).to_have_text(NOTE)
    expect(recipient.get_by_role("link", name=re.compile("Read the full trial page"))).to_have_attribute(
        "href", f"/trials/{TRIAL}"
    )
    assert_axe_clean(recipient)

    panel.get_by_role("button", name="Stop sharing").click()
    expect(panel.locator(".share-item")).to_have_count(0)
    recipient.goto(share_url)
    recipient.get_by_label("Passcode").fill(passcode)
    recipient.get_by_role("button", name="Show the notes").click()
    expect(recipient.locator(".field-error")).to_contain_text("This passcode does not open this link.")


@pytest.mark.parametrize("viewport", [{"width": 375, "height": 800}], indirect=True)
def test_on_a_phone_a_keyboard_user_notes_a_section_and_moved_text_is_still_found(
    live_server: str, page: Page, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    page.goto(f"{live_server}/trials/{TRIAL}")
    # Notes from before a re-import: one quote moved to another section, one no longer on the page.
    old_notes = [
        {
            "id": "a1",
            "section": "details",
            "sectionTitle": "Study details",
            "quote": QUOTE,
            "prefix": "",
            "suffix": "",
            "note": "Relocated",
            "created": "2026-01-01T00:00:00Z",
            "updated": "2026-01-01T00:00:00Z",
        },
        {
            "id": "b2",
            "section": "overview",
            "sectionTitle": "Overview",
            "quote": "words that were removed",
            "prefix": "",
            "suffix": "",
            "note": "Gone",
            "created": "2026-01-01T00:00:00Z",
            "updated": "2026-01-01T00:00:00Z",
        },
    ]
    page.evaluate(
        "([key, value]) => localStorage.setItem(key, value)", [f"trialPortal.notes.{TRIAL}", json.dumps(old_notes)]
    )
    page.reload()
    expect(page.locator("#overview mark.note-mark")).to_have_text(QUOTE)
    gone = page.locator(".note-item", has_text="Gone")
    expect(gone.locator(".note-item__changed")).to_be_visible()
    expect(page.locator(".note-item", has_text="Relocated").locator(".note-item__changed")).to_be_hidden()

    button = page.get_by_role("button", name="Add a note to “Who can take part”")
    button.focus()
    page.keyboard.press("Enter")
    page.keyboard.type("Can I join if I had surgery before?")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Save note"
    expect(page.locator("#eligibility-heading mark.note-mark")).to_have_text("Who can take part")
    expect(button).to_be_focused()
    expect(page.locator(".note-item", has_text="Can I join")).to_be_visible()
    # Text selected from the keyboard (shift+arrows): the "Add note" button comes next in the tab order, at the
    # end of the selection's paragraph (after the paragraph's explained words, which are buttons too).
    select_text(page, "overview", QUOTE)
    page.locator("#overview p", has_text=QUOTE).locator(".glossary-term__button").last.focus()
    expect(page.get_by_role("button", name="Add note", exact=True)).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Add note", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Your note").locator("blockquote")).to_have_text(QUOTE)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Your note")).to_be_hidden()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    assert_axe_clean(page)
