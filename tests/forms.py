"""The form token a browser sends back with a form: the value of the page's hidden csrf_token field."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

# WTForms writes name before value; a template may write them the other way round.
_TOKEN_RES = (
    re.compile(r'name="csrf_token"[^>]*value="([^"]+)"'),
    re.compile(r'value="([^"]+)"[^>]*name="csrf_token"'),
)


def find_csrf_token(html: str) -> str | None:
    """The first form token in the page, or None when it has no form."""
    for pattern in _TOKEN_RES:
        match = pattern.search(html)
        if match:
            return match.group(1)
    return None


def csrf_token(client: FlaskClient, path: str) -> str:
    """Open the page as this client (which starts its session) and read its form token."""
    token = find_csrf_token(client.get(path).get_data(as_text=True))
    assert token, f"no form token on {path}"
    return token
