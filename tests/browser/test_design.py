"""The design system in Chromium: a focus ring people can see on every background, the wide trial page's sticky
side column, the frame (current page marked, the footer at the bottom), and axe on the staff pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_axe_clean
from tests.staff import PASSWORD, make_user

TRIAL = "NCT04012996"  # recruiting, 33 sites
SMALL_SCREEN = {"width": 375, "height": 812}

# The colours of the ring around the focused element and of what it sits on, from the computed styles. The
# background is the first ancestor (the element's parent and up) that paints one; the ring is drawn outside the
# element, so the element's own background is not what the ring is seen against.
RING_AND_BACKGROUND = """el => {
  const parse = c => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  let node = el.parentElement, background = null;
  while (node) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c && c.a > 0) { background = c; break; }
    node = node.parentElement;
  }
  const style = getComputedStyle(el);
  return {
    outline: parse(style.outlineColor), outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth), matchesFocusVisible: el.matches(':focus-visible'),
    background: background || {r: 255, g: 255, b: 255, a: 1},
  };
}"""


def luminance(colour: dict[str, float]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour["r"]) + 0.7152 * channel(colour["g"]) + 0.0722 * channel(colour["b"])


def contrast(one: dict[str, float], two: dict[str, float]) -> float:
    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_is_computed_as_wcag_defines_it() -> None:
    white, black = {"r": 255, "g": 255, "b": 255}, {"r": 0, "g": 0, "b": 0}
    assert round(contrast(white, black), 1) == 21.0
    # The old ring, amber #FFBF47 on white, was well under 3:1.
    assert contrast({"r": 255, "g": 191, "b": 71}, white) < 2


def ring_contrast(page: Page, selector: str) -> float:
    element = page.locator(selector).first
    element.focus()
    found = element.evaluate(RING_AND_BACKGROUND)
    assert found["matchesFocusVisible"], f"{selector} shows no focus ring when focused from the keyboard"
    assert found["outlineStyle"] == "solid" and found["outlineWidth"] >= 2, (selector, found)
    return contrast(found["outline"], found["background"])


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, SMALL_SCREEN], indirect=True)
def test_the_focus_ring_stands_out_on_every_background(
    page: Page, live_server: str, app: Flask, import_demo: Callable[..., object]
) -> None:
    import_demo(TRIAL)
    page.goto(f"{live_server}/trials/{TRIAL}")
    page.keyboard.press("Tab")  # keyboard use: the browser shows :focus-visible rings from here on
    places = {
        "the header (brand blue)": ".site-header .site-name",
        "the page (white)": "#locations summary",
        "a button on the page (white)": ".note-section-button",
        "the contents list (grey panel)": ".toc a",
        "'In short' (blue tint)": "#in-short dd a",
        "the contact form (blue tint)": "#contact input[name=place]",
        "a button on the form": "#contact button[value=locate]",
        "the footer (grey)": ".site-footer a",
    }
    ratios = {name: round(ring_contrast(page, selector), 2) for name, selector in places.items()}
    assert all(ratio >= 3 for ratio in ratios.values()), ratios

    make_user(app, "ops@example.org", role="admin")
    page.goto(f"{live_server}/account/sign-in")
    page.keyboard.press("Tab")
    staff = {
        name: round(ring_contrast(page, selector), 2)
        for name, selector in {
            "the staff header (dark)": ".site-header .site-name",
            "a field on white": "#email",
        }.items()
    }
    assert all(ratio >= 3 for ratio in staff.values()), staff


def test_on_a_wide_screen_in_short_is_a_sticky_side_column_read_right_after_the_header(
    page: Page, live_server: str, import_demo: Callable[..., object]
) -> None:
    import_demo(TRIAL)
    page.goto(f"{live_server}/trials/{TRIAL}")
    main, box = page.locator(".trial__main").bounding_box(), page.locator("#in-short").bounding_box()
    assert main and box
    assert box["x"] >= main["x"] + main["width"], (main, box)  # beside the content, not under the header
    assert main["width"] >= 640  # the wider frame is used: the content alone is about as wide as the old page
    # In the document it still comes right after the header, so a screen reader meets it there.
    order = page.evaluate("[...document.querySelectorAll('#trial-title, #in-short, #overview')].map(e => e.id)")
    assert order == ["trial-title", "in-short", "overview"]

    page.locator("#eligibility").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 400)")
    box = page.locator("#in-short").bounding_box()
    assert box and 0 <= box["y"] <= 40, box  # still in view, at the top of the screen
    expect(page.locator("#in-short").get_by_role("link", name="Contact the study team")).to_be_visible()
    # Long text keeps a readable measure of about 70 characters a line: the paragraph's width over the average
    # width of its own characters, set on one line in its font.
    per_line = page.locator("#description p").first.evaluate(
        """p => { const text = p.textContent, probe = document.createElement('span');
                 probe.style.whiteSpace = 'nowrap'; probe.textContent = text; p.appendChild(probe);
                 const average = probe.getBoundingClientRect().width / text.length; probe.remove();
                 return p.getBoundingClientRect().width / average; }"""
    )
    assert 60 <= per_line <= 80, per_line


@pytest.mark.parametrize("viewport", [SMALL_SCREEN], indirect=True)
def test_on_a_phone_the_trial_page_is_one_column(page: Page, live_server: str, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    page.goto(f"{live_server}/trials/{TRIAL}")
    header, box = page.locator(".trial-header").bounding_box(), page.locator("#in-short").bounding_box()
    assert header and box and box["y"] >= header["y"] + header["height"] and box["width"] >= 300
    expect(page.locator(".trial-header").get_by_role("link", name="Contact the study team")).to_be_visible()
    expect(page.locator("#in-short").get_by_role("link", name="Contact the study team")).to_be_hidden()


def test_every_page_marks_where_you_are_and_keeps_the_footer_at_the_bottom(
    page: Page, live_server: str, import_demo: Callable[..., object]
) -> None:
    import_demo(TRIAL)
    page.goto(f"{live_server}/trials")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Find a trial")).to_have_attribute("aria-current", "page")
    expect(nav.locator("[aria-current]")).to_have_count(1)
    page.goto(f"{live_server}/about")
    expect(nav.get_by_role("link", name="About")).to_have_attribute("aria-current", "page")
    expect(page.locator(".site-name img")).to_have_attribute("alt", "")  # the name beside it is the text
    expect(page.locator(".site-name")).to_have_text("Trial Finder")

    response = page.goto(f"{live_server}/trials/NCT00000000")  # a short page
    assert response is not None and response.status == 404
    footer = page.locator(".site-footer").bounding_box()
    assert footer and abs(footer["y"] + footer["height"] - 900) <= 1, footer  # no white gap under it
    assert_axe_clean(page)


def test_staff_pages_have_their_own_layout_and_pass_axe(
    page: Page, live_server: str, app: Flask, import_demo: Callable[..., object]
) -> None:
    import_demo(TRIAL)
    make_user(app, "ops@example.org", role="admin")
    page.goto(f"{live_server}/account/sign-in")
    expect(page.locator(".site-footer")).to_have_count(0)  # no patient footer
    page.get_by_role("button", name="Sign in").click()  # empty: the summary takes the focus
    expect(page.locator(".error-summary")).to_be_focused()
    assert_axe_clean(page)
    page.get_by_label("Email").fill("ops@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out (Ops)")).to_be_visible()
    for path, heading in [
        ("/admin/", "Administration"),
        ("/admin/trials", "Trials"),
        (f"/admin/trials/{TRIAL}/sites", f"Sites of {TRIAL}"),
        ("/admin/faqs", "Frequently asked questions"),
        ("/admin/requests/", "Phone queue"),
        ("/admin/users", "Users"),
        ("/admin/outbox", "Outbox"),
        ("/admin/audit", "Audit log"),
        ("/account/password", "Change your password"),
    ]:
        page.goto(live_server + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_axe_clean(page)
    expect(page.get_by_role("navigation", name="Staff").locator("[aria-current=page]")).to_have_text("Change password")

    page.goto(f"{live_server}/admin/trials")
    expect(page.get_by_role("navigation", name="Administration").locator("[aria-current=page]")).to_have_text(
        "Trials and sites"
    )
    page.set_viewport_size(SMALL_SCREEN)
    region = page.get_by_role("region", name="Trials")
    sizes = region.evaluate("r => ({inner: r.scrollWidth, outer: r.clientWidth})")
    assert sizes["inner"] > sizes["outer"]  # the dense table scrolls sideways inside its wrapper...
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # ...not the page
    assert_axe_clean(page)
