"""Emails from templates: templates/email/<name>/{subject.txt, body.txt, body.html}."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale, get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup


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


def _bound_gettext(translations: Any) -> Any:
    """Jinja's new-style gettext (autoescape-aware, %-formatting) bound to one catalogue."""

    @pass_context
    def gettext(context: Any, __message: str, **variables: Any) -> str:
        text = translations.ugettext(__message)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704  (our own catalogue; the variables are escaped by Markup's %)
        return text % variables  # always formatted, as Jinja's own new-style gettext does

    @pass_context
    def ngettext(context: Any, __singular: str, __plural: str, __count: int, **variables: Any) -> str:
        variables.setdefault("num", __count)  # templates also pass num=...: hence the unusual parameter names
        text = translations.ungettext(__singular, __plural, __count)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704  (as above)
        return text % variables

    return gettext, ngettext


class BulkEmailRenderer:
    """Many emails in one language: the catalogue is looked up once, not for every string of every email.

    Templates are the same as render_email's; they get gettext, ngettext and get_locale from the context
    instead of Flask-Babel's per-call lookups, which cost more than the rest of the rendering at 100,000 emails.
    """

    def __init__(self, language: str) -> None:
        with force_locale(language):
            translations = get_translations()
            self.locale = str(get_locale() or language)
        self.gettext, self.ngettext = _bound_gettext(translations)
        self.env = current_app.jinja_env

    def render(self, name: str, **context: Any) -> RenderedEmail:
        values = {"gettext": self.gettext, "ngettext": self.ngettext, "get_locale": lambda: self.locale, **context}
        return RenderedEmail(
            subject=one_line(self.env.get_template(f"email/{name}/subject.txt").render(values)),
            text=self.env.get_template(f"email/{name}/body.txt").render(values),
            html=self.env.get_template(f"email/{name}/body.html").render(values),
        )
