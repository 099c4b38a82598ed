"""Emails from templates: templates/email/<name>/{subject.txt, body.txt, body.html}, the HTML with its CSS inlined."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import css_inline
from flask import Flask, current_app, render_template
from flask_babel import force_locale, get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup

from portal.mail.readable import address_for_people, phone_for_people


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def init_email_templates(app: Flask) -> None:
    """The filters email templates use to show phone numbers and addresses to people."""
    app.add_template_filter(phone_for_people, "phone_for_people")
    app.add_template_filter(address_for_people, "address_for_people")


@cache
def _inliner() -> css_inline.CSSInliner:
    # The layout's <style> (templates/email/_email.css) becomes style attributes, which every mail client reads;
    # only the @media rules stay in a <style>, for the clients that can make the layout narrower on a phone.
    # Nothing is fetched: an email never depends on a remote stylesheet or image.
    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    return _inliner().inline(html)


def one_line(text: str) -> str:
    """Subjects never contain a newline, whatever the data (names, facility names) held."""
    return " ".join(text.split())


def _portal_context() -> dict[str, Any]:
    """Who the email is from, for the layout's header and footer (a caller's own values win)."""
    config = current_app.config
    return {"portal_name": config["PORTAL_NAME"], "portal_url": config["PORTAL_BASE_URL"]}


def render_email(name: str, **context: Any) -> RenderedEmail:
    values = {**_portal_context(), **context}
    return RenderedEmail(
        subject=one_line(render_template(f"email/{name}/subject.txt", **values)),
        text=render_template(f"email/{name}/body.txt", **values),
        html=inline_css(render_template(f"email/{name}/body.html", **values)),
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
        self.portal = _portal_context()

    def render(self, name: str, **context: Any) -> RenderedEmail:
        values = {
            "gettext": self.gettext,
            "ngettext": self.ngettext,
            "get_locale": lambda: self.locale,
            **self.portal,
            **context,
        }
        return RenderedEmail(
            subject=one_line(self.env.get_template(f"email/{name}/subject.txt").render(values)),
            text=self.env.get_template(f"email/{name}/body.txt").render(values),
            html=inline_css(self.env.get_template(f"email/{name}/body.html").render(values)),
        )
