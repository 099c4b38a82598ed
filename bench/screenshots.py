"""Screenshots of every page type at 1280 and 375 px (and the trial page as printed), for people to look at.

    .venv/bin/python bench/screenshots.py [--out /tmp/portal-screenshots]

Serves the demo portal (bench/demo_server.py: a throwaway SQLite database, a staff user made with the app's CLI),
then walks it in Debian's Chromium as a patient and as site staff would: home, search, a trial page, the contact
form after "Find the nearest site" and the confirmation after a real submission, trial alerts, shared notes, sign
in and the staff pages. The images go to --out (outside the repository by default); none is ever committed.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from benchlib import BenchError
from demo_server import DemoPortal, demo_portal
from playwright.sync_api import Browser, Page, sync_playwright

TRIAL = "NCT04012996"  # recruiting, 33 US sites
BIG_TRIAL = "NCT04267848"  # 1,148 sites, a long folded description
WIDTHS = {"wide": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}


PART_HEIGHT = 1800  # a long page is also saved in parts that an image viewer shows at full size


def shoot(page: Page, out: Path, name: str, *, full_page: bool = True) -> None:
    page.wait_for_load_state("load")
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(path)
    height = page.evaluate("document.documentElement.scrollHeight") if full_page else 0
    width = page.viewport_size["width"] if page.viewport_size else 1280
    for number, top in enumerate(range(0, height if height > PART_HEIGHT * 1.3 else 0, PART_HEIGHT), start=1):
        clip = {"x": 0, "y": top, "width": width, "height": min(PART_HEIGHT, height - top)}
        page.screenshot(path=str(out / f"{name}.part{number}.png"), full_page=True, clip=clip)


def patient_pages(browser: Browser, portal: DemoPortal, out: Path, label: str, viewport: dict[str, int]) -> None:
    base = portal.base_url
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    for name, path in [
        ("home", "/"),
        ("search", "/trials?q=cancer"),
        ("search-empty", "/trials?q=zzzznothing"),
        ("trial", f"/trials/{TRIAL}"),
        ("trial-big", f"/trials/{BIG_TRIAL}"),
        ("alerts", f"/alerts/?trial={TRIAL}"),
        ("about", "/about"),
        ("not-found", "/trials/NCT00000000"),
    ]:
        page.goto(base + path)
        shoot(page, out, f"{label}-{name}", full_page=name not in {"trial-big", "about"})

    # The contact form: find the nearest site (a full-page POST), then send a real request.
    page.goto(f"{base}/trials/{TRIAL}#contact")
    page.get_by_label("ZIP code or city", exact=False).first.fill("Chicago")
    page.get_by_role("button", name="Find the nearest site").click()
    page.wait_for_load_state("load")
    shoot(page, out, f"{label}-contact-located", full_page=False)
    page.get_by_role("button", name="Send my details").click()  # nothing filled in: the error summary
    page.wait_for_load_state("load")
    shoot(page, out, f"{label}-contact-errors", full_page=False)
    form = page.locator("form.contact-form")
    form.get_by_label(re.compile("^First name")).fill("Ada")
    form.get_by_label(re.compile("^Last name")).fill("Lovelace")
    form.get_by_label(re.compile("^Email")).fill("ada@example.org")
    form.get_by_label(re.compile("^Phone")).fill("312 555 0142")
    form.locator("input[type=checkbox]").first.check()
    form.get_by_role("button", name="Send my details").click()
    page.wait_for_load_state("load")
    if "/contact/sent" not in page.url:
        raise BenchError(f"the contact form was not sent: {page.url}")
    shoot(page, out, f"{label}-contact-sent")

    # Private notes: add one from the keyboard's button, share it, open the share with its passcode elsewhere.
    page.goto(f"{base}/trials/{TRIAL}")
    page.get_by_role("button", name=re.compile("Add a note to .Overview")).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Note").fill("Ask Dr Smith whether my scans from March count.")
    dialog.get_by_role("button", name="Save note").click()
    panel = page.locator("#my-notes")
    panel.get_by_role("button", name="Share my notes").click()
    panel.get_by_role("button", name="Create the link").click()
    panel.get_by_role("heading", name="Your link is ready").wait_for()
    panel.scroll_into_view_if_needed()
    shoot(page, out, f"{label}-notes-panel", full_page=False)
    link = panel.get_by_label("Link", exact=True).input_value()
    passcode = panel.locator(".js-share-passcode").inner_text()
    share_url = base + "/notes/s/" + link.rsplit("/notes/s/", 1)[1]
    other = browser.new_context(viewport=viewport).new_page()  # type: ignore[arg-type]
    other.goto(share_url)
    shoot(other, out, f"{label}-notes-passcode")
    other.get_by_label("Passcode").fill(passcode)
    other.get_by_role("button", name="Show the notes").click()
    shoot(other, out, f"{label}-notes-shared")
    other.context.close()

    # Printed, as a patient takes it to a doctor (after the nearest sites are known).
    page.goto(f"{base}/trials/{TRIAL}#contact")
    page.get_by_label("ZIP code or city", exact=False).first.fill("60601")
    page.get_by_role("button", name="Find the nearest site").click()
    page.wait_for_load_state("load")
    page.emulate_media(media="print")
    shoot(page, out, f"{label}-trial-print")
    page.emulate_media(media="screen")
    context.close()


def staff_pages(browser: Browser, portal: DemoPortal, out: Path, label: str, viewport: dict[str, int]) -> None:
    base = portal.base_url
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(f"{base}/account/sign-in")
    page.get_by_role("button", name="Sign in").click()  # empty: the error summary
    shoot(page, out, f"{label}-staff-sign-in-errors")
    page.get_by_label(re.compile("^Email")).fill(portal.staff_email)
    page.get_by_label(re.compile("^Password")).fill(portal.staff_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    for name, path in [("staff-requests", "/site/"), ("staff-admin", "/admin/"), ("staff-trials", "/admin/trials")]:
        page.goto(base + path)
        shoot(page, out, f"{label}-{name}")
        if name == "staff-requests":
            first = page.locator("table.requests a").first
            if first.count():
                first.click()
                shoot(page, out, f"{label}-staff-request")
    page.goto(f"{base}/admin/outbox")
    shoot(page, out, f"{label}-staff-outbox")
    page.goto(f"{base}/admin/audit")
    shoot(page, out, f"{label}-staff-audit", full_page=False)
    context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "portal-screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="portal-shots-") as tmp,
        demo_portal(Path(tmp)) as portal,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        for label, viewport in WIDTHS.items():
            patient_pages(browser, portal, args.out, label, viewport)
            staff_pages(browser, portal, args.out, label, viewport)
        browser.close()
    print(f"screenshots in {args.out}")


if __name__ == "__main__":
    main()
