"""Browser fixtures: the session app served over HTTP and headless Debian Chromium (never downloaded)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import free_port

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_VIEWPORT = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (the tests never download a browser)")
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


def _closed_bodies(app: WSGIApplication) -> WSGIApplication:
    """Read each response body whole and close it before the server writes it.

    Werkzeug's development server closes the body only after draining the socket, and that drain raises when
    Chromium drops a connection (a page left mid-load); the body, say an open static file, was then never closed
    and its ResourceWarning failed whichever test was running when it was collected. The portal has no streamed
    responses, so reading bodies whole changes nothing a page sees.
    """

    def closed(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return closed


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The session app on a real socket; yields its base URL (no trailing slash)."""
    server = make_server("127.0.0.1", free_port(), _closed_bodies(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    """The page's viewport: @pytest.mark.parametrize("viewport", [{"width": 375, "height": 800}], indirect=True)."""
    return dict(getattr(request, "param", DEFAULT_VIEWPORT))


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh contexts (e.g. with another viewport); all closed at the end of the test."""
    contexts: list[BrowserContext] = []

    def _new_page(viewport: dict[str, int] | None = None, **context_options: object) -> Page:
        context = browser.new_context(viewport=viewport or dict(DEFAULT_VIEWPORT), **context_options)  # type: ignore[arg-type]
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page], viewport: dict[str, int]) -> Page:
    return new_page(viewport)
