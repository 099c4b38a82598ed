"""Emails from templates: templates/email/<name>/{subject.txt, body.txt, body.html}."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def one_line(text: str) -> str:
    """Subjects never contain a newline, whatever the data (names, facility names) held."""
    return " ".join(text.split())


def render_email(name: str, **context: Any) -> RenderedEmail:
    return RenderedEmail(
        subject=one_line(render_template(f"email/{name}/subject.txt", **context)),
        text=render_template(f"email/{name}/body.txt", **context),
        html=render_template(f"email/{name}/body.html", **context),
    )
