"""Draw the PNG icons and favicon.ico from static/img/logo.svg with Debian's Chromium (run after changing the logo).

    .venv/bin/python bench/make_icons.py

Writes static/img/icon-192.png, static/img/icon-512.png and static/favicon.ico (a 32 px and a 16 px PNG inside an
ICO container, which every browser reads).
"""

from __future__ import annotations

import struct
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
LOGO = ROOT / "static" / "img" / "logo.svg"


def render(page, size: int) -> bytes:  # type: ignore[no-untyped-def]
    svg = LOGO.read_text(encoding="utf-8")
    page.set_viewport_size({"width": size, "height": size})
    page.set_content(
        "<!doctype html><html><body style='margin:0;background:transparent'>"
        f"<div style='width:{size}px;height:{size}px'>{svg.replace('<svg ', f'<svg width={size} height={size} ')}</div>"
        "</body></html>"
    )
    return page.screenshot(omit_background=True, clip={"x": 0, "y": 0, "width": size, "height": size})


def ico(images: list[tuple[int, bytes]]) -> bytes:
    """An ICO file holding PNG images (allowed since Windows Vista; all current browsers read it)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, data = b"", b""
    for size, png in images:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset + len(data))
        data += png
    return header + entries + data


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        page = browser.new_page()
        for size in (192, 512):
            (ROOT / "static" / "img" / f"icon-{size}.png").write_bytes(render(page, size))
        (ROOT / "static" / "favicon.ico").write_bytes(ico([(32, render(page, 32)), (16, render(page, 16))]))
        browser.close()
    print("wrote static/img/icon-192.png, static/img/icon-512.png, static/favicon.ico")


if __name__ == "__main__":
    main()
