"""Absolute links for emails, built from PORTAL_BASE_URL whether or not a request is being served."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def _adapter() -> MapAdapter:
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    return current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")


def external_url(endpoint: str, **values: Any) -> str:
    """Workers and CLI commands write emails too, so this never depends on the current request's host."""
    return _adapter().build(endpoint, values, force_external=True)


def external_url_builder() -> Callable[..., str]:
    """`external_url` for many links in a row (a batch of emails): the URL map is bound to the base URL once."""
    adapter = _adapter()

    def build(endpoint: str, **values: Any) -> str:
        return adapter.build(endpoint, values, force_external=True)

    return build
