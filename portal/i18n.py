"""The patient's language: chosen by `?lang=`, then the `lang` cookie, then Accept-Language; tags and links.

Locales are Babel's names (`zh_Hans`, the translations folder's); URLs, cookies and HTML use the BCP 47 tag
(`zh-Hans`). A choice in the URL wins and is kept in the cookie, so a shared link opens in its language and the
next page stays in it. Every page answers `Vary: Accept-Language, Cookie`, and anything cached per page is keyed on
the locale (the trial page cache is).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from flask import Flask, Response, current_app, g, has_request_context, request
from flask_babel import get_locale
from werkzeug.datastructures import MultiDict
from werkzeug.urls import urlencode

LANG_PARAMETER = "lang"
LANG_COOKIE = "lang"
LANG_COOKIE_DAYS = 365
# Each language named in itself, so every reader finds theirs.
OWN_NAMES = {"en": "English", "es": "Español", "zh_Hans": "简体中文"}
# Accept-Language tags that mean Simplified Chinese; other Chinese tags fall back to it too (werkzeug matches on the
# primary tag), as Simplified is easier for a Traditional reader than English.
_CHINESE_TAGS = ("zh-Hans", "zh-CN", "zh-SG", "zh")
# Static files, and the scripts' catalogue whose URL names its language.
_SAME_IN_EVERY_LANGUAGE = frozenset({"static", "i18n.catalogue"})
_TAG_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def tag(locale: str) -> str:
    """Babel's locale name as a BCP 47 language tag: zh_Hans -> zh-Hans."""
    return locale.replace("_", "-")


def supported_locales() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def locale_from_tag(value: str | None) -> str | None:
    """A supported locale for a tag from a URL or cookie (any case, `-` or `_`), else None."""
    if not value or len(value) > 35 or not _TAG_RE.match(value):
        return None
    wanted = value.replace("_", "-").lower()
    for locale in supported_locales():
        if tag(locale).lower() == wanted:
            return locale
    return None


def _from_headers() -> str | None:
    candidates: dict[str, str] = {}
    for locale in supported_locales():
        candidates[tag(locale)] = locale
        if locale.startswith("zh"):
            candidates.update({chinese: locale for chinese in _CHINESE_TAGS})
    best = request.accept_languages.best_match(list(candidates))
    return candidates.get(best) if best else None


def select_locale() -> str | None:
    """Flask-Babel's locale selector. Outside a request (CLI, workers) callers use force_locale instead."""
    if not has_request_context():
        return None
    chosen = locale_from_tag(request.args.get(LANG_PARAMETER))
    if chosen:
        g.chosen_locale = chosen
        return chosen
    return locale_from_tag(request.cookies.get(LANG_COOKIE)) or _from_headers()


def current_locale() -> str:
    locale = get_locale()
    if locale is None:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    name = str(locale)
    return name if name in supported_locales() else current_app.config["BABEL_DEFAULT_LOCALE"]


def current_tag() -> str:
    """The page's language for <html lang> and hreflang: en, es, zh-Hans."""
    return tag(current_locale())


def _page_address() -> tuple[str, MultiDict[str, str]]:
    """The path and parameters a reader can open again: this page's, or, for the answer to a form (a POST), the
    page the form was on (same site only), so switching language never lands on a URL that only takes a POST."""
    if request.method in {"GET", "HEAD"}:
        return request.path, MultiDict(request.args)
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path, MultiDict(parse_qsl(referrer.query))
    return "/", MultiDict()


def url_in(locale: str | None, absolute: bool = False) -> str:
    """This page's URL in another language (None: without a choice, for x-default); other parameters kept."""
    path, args = _page_address()
    args.pop(LANG_PARAMETER, None)
    if locale is not None:
        args[LANG_PARAMETER] = tag(locale)
    query = urlencode(args)
    base = current_app.config["PORTAL_BASE_URL"] if absolute else ""
    return f"{base}{path}{'?' + query if query else ''}"


def language_links() -> list[dict[str, str | bool]]:
    """The switcher: each language in its own name, a link to this page in it, and whether it is the current one."""
    current = current_locale()
    return [
        {"tag": tag(locale), "name": OWN_NAMES.get(locale, tag(locale)), "href": url_in(locale),
         "current": locale == current}
        for locale in supported_locales()
    ]


def hreflang_alternates() -> list[tuple[str, str]]:
    """(hreflang, absolute URL) for every language and x-default (no choice: the reader's header decides)."""
    links = [(tag(locale), url_in(locale, absolute=True)) for locale in supported_locales()]
    return [*links, ("x-default", url_in(None, absolute=True))]


def init_i18n(app: Flask) -> None:
    app.add_template_global(current_tag, "page_lang")
    app.add_template_global(current_locale, "page_locale")
    app.add_template_global(language_links)
    app.add_template_global(hreflang_alternates)

    @app.after_request
    def remember_and_vary(response: Response) -> Response:
        if request.endpoint in _SAME_IN_EVERY_LANGUAGE:
            return response
        # The same URL answers in the reader's language: caches must keep one copy per header and cookie.
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        chosen = g.get("chosen_locale")
        if chosen and request.cookies.get(LANG_COOKIE) != tag(chosen):
            response.set_cookie(
                LANG_COOKIE,
                tag(chosen),
                max_age=LANG_COOKIE_DAYS * 86400,
                secure=app.config["SESSION_COOKIE_SECURE"],
                httponly=True,
                samesite="Lax",
            )
        return response
