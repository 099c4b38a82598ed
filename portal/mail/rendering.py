"""Emails from templates: templates/email/<name>/{subject.txt, body.txt, body.html}, the HTML with its CSS inlined."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import css_inline
from flask import Flask, current_app, render_template
from flask_babel import force_locale, get_locale, get_translations
from jinja2 import Template, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from portal.mail.readable import address_for_people, phone_for_people
from portal.vocabulary import STATUS_LABELS, status_label

# Translated sentences, and fragments, a BulkEmailRenderer keeps at most before it starts again (a few MB).
MAX_REMEMBERED = 20_000


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def init_email_templates(app: Flask) -> None:
    """The filters email templates use to show phone numbers and addresses to people, and `fragment`."""
    app.add_template_filter(phone_for_people, "phone_for_people")
    app.add_template_filter(address_for_people, "address_for_people")
    app.add_template_global(fragment, "fragment")


# What a fragment sees besides the values it is given: the translation functions of the email around it.
_FRAGMENT_HELPERS = ("_", "gettext", "ngettext", "get_locale", "status_label")
_FRAGMENTS = "_rendered_fragments"  # the context key of a BulkEmailRenderer's fragments


@pass_context
def fragment(context: Context, name: str, **values: Any) -> str:
    """The template `name` rendered with `values` alone (and the translation functions), where it is called.

    It sees nothing else of the email around it, so the same values always give the same text: a BulkEmailRenderer
    renders each (name, values) once for all the emails it writes (one trial in thousands of alert emails).
    """
    rendered: dict[tuple[Any, ...], str] | None = context.get(_FRAGMENTS)
    key = (name, *values.items())
    text = rendered.get(key) if rendered is not None else None
    if text is None:
        helpers = {helper: context[helper] for helper in _FRAGMENT_HELPERS if helper in context}
        text = context.environment.get_template(name).render({**helpers, **values})
        if rendered is not None:
            if len(rendered) >= MAX_REMEMBERED:
                rendered.clear()
            rendered[key] = text
    # An HTML fragment's output is escaped already.
    return Markup(text) if context.eval_ctx.autoescape else text  # noqa: S704


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
    """Jinja's new-style gettext (autoescape-aware, %-formatting) bound to one catalogue, remembering its results.

    Thousands of alert emails say the same sentences with the same values ("Status:", "5 miles away", "you follow
    lupus and this trial is about lupus nephritis"), so each (message, values, escaping) is translated and
    formatted once. Values that cannot be a key (none in the email templates) are formatted every time.
    """
    results: dict[tuple[Any, ...], str] = {}

    def remembered(key: tuple[Any, ...], make: Any) -> str:
        try:
            return results[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value
            return make()
        if len(results) >= MAX_REMEMBERED:
            results.clear()
        text = results[key] = make()
        return text

    @pass_context
    def gettext(context: Any, __message: str, **variables: Any) -> str:
        autoescape = context.eval_ctx.autoescape

        def make() -> str:
            text = translations.ugettext(__message)
            if autoescape:
                text = Markup(text)  # noqa: S704  (our own catalogue; the variables are escaped by Markup's %)
            return text % variables  # always formatted, as Jinja's own new-style gettext does

        return remembered((__message, autoescape, *variables.items()), make)

    @pass_context
    def ngettext(context: Any, __singular: str, __plural: str, __count: int, **variables: Any) -> str:
        variables.setdefault("num", __count)  # templates also pass num=...: hence the unusual parameter names
        autoescape = context.eval_ctx.autoescape

        def make() -> str:
            text = translations.ungettext(__singular, __plural, __count)
            if autoescape:
                text = Markup(text)  # noqa: S704  (as above)
            return text % variables

        return remembered((__singular, __plural, __count, autoescape, *variables.items()), make)

    return gettext, ngettext


class BulkEmailRenderer:
    """Many emails in one language: the catalogue is looked up once, not for every string of every email.

    Templates are the same as render_email's; they get _, gettext, ngettext and get_locale from the context
    instead of Flask-Babel's per-call lookups, which cost more than the rest of the rendering at 100,000 emails.
    """

    def __init__(self, language: str) -> None:
        with force_locale(language):
            translations = get_translations()
            self.locale = str(get_locale() or language)
            # A trial's status in this language (the helper would otherwise read the request's language).
            labels = {code: status_label(code) for code in (*STATUS_LABELS, None)}
        self.status_label = lambda code: labels[code] if code in labels else status_label(code)
        self.gettext, self.ngettext = _bound_gettext(translations)
        self.env = current_app.jinja_env
        self.portal = _portal_context()
        self.fragments: dict[tuple[Any, ...], str] = {}

    def _scope(self, template: Template) -> dict[str, Any]:
        """What every email rendered with `template` sees besides its own values: the globals, then our helpers."""
        return {
            **template.globals,
            # `_` too: Jinja's own `_` looks `gettext` up again on every call.
            "_": self.gettext,
            "gettext": self.gettext,
            "ngettext": self.ngettext,
            "get_locale": lambda: self.locale,
            "status_label": self.status_label,
            _FRAGMENTS: self.fragments,
            **self.portal,
        }

    def render(self, name: str, **context: Any) -> RenderedEmail:
        return self.render_all(name, [context])[0]

    def render_all(self, name: str, contexts: list[dict[str, Any]]) -> list[RenderedEmail]:
        """One email per context, in order; the HTML's CSS is inlined for all of them in one call."""
        templates = [self.env.get_template(f"email/{name}/{part}") for part in ("subject.txt", "body.txt", "body.html")]
        scopes = [self._scope(template) for template in templates]
        parts = [
            [_render(template, {**scope, **context}) for template, scope in zip(templates, scopes, strict=True)]
            for context in contexts
        ]
        htmls = _inliner().inline_many([html for _subject, _text, html in parts])
        return [
            RenderedEmail(subject=one_line(subject), text=text, html=html)
            for (subject, text, _html), html in zip(parts, htmls, strict=True)
        ]


def _render(template: Template, scope: dict[str, Any]) -> str:
    """`template.render(scope)` for a scope that holds the globals already: Jinja's render copies every global
    (about 40 here) into a new context for each call, which costs more than a short template's own output."""
    try:
        return template.environment.concat(template.root_render_func(template.new_context(scope, shared=True)))  # type: ignore[attr-defined]
    except Exception:
        return template.environment.handle_exception()
