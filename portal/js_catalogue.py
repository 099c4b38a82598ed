"""The strings static/js/*.js show, per language, from the compiled catalogue: one cacheable script per version.

The scripts call `_("...")` and `ngettext("...", "...", n)` (portal.js defines them); Babel extracts those calls
into the same catalogue as the templates (babel.cfg). This route serves, for one language, those messages and the
catalogue's own plural rule as `window.portalMessages = {...}`: a script rather than a fetched JSON file, so the
strings are there before any other deferred script runs, with no inline script (the CSP forbids them). Its URL
carries a hash of its content, so it is cached for a year and a new catalogue is a new URL.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from flask import Blueprint, Response, abort, current_app, url_for
from flask_babel import force_locale, get_translations

from portal.i18n import current_tag, locale_from_tag, tag

bp = Blueprint("i18n", __name__)

JS_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
# A catalogue's Plural-Forms expression is C; these characters make it valid JavaScript too, and nothing else.
_PLURAL_EXPRESSION = re.compile(r"^[n0-9\s!=<>&|?:%()]+$")
YEAR = 365 * 86400


@cache
def js_messages(static_folder: str) -> tuple[tuple[str, str | None], ...]:
    """(msgid, plural msgid or None) of every string the scripts mark, in file order."""
    found: dict[tuple[str, str | None], None] = {}
    method_map = [("**.js", "javascript")]
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(Path(static_folder) / "js"), method_map=method_map, keywords=JS_KEYWORDS
    ):
        if isinstance(message, tuple):
            found[(message[0], message[1])] = None
        else:
            found[(message, None)] = None
    return tuple(found)


def _plural_expression(translations: Any) -> str:
    header = getattr(translations, "_info", {}).get("plural-forms", "")
    match = re.search(r"plural\s*=\s*(.+?);?\s*$", header)
    expression = match.group(1) if match else "(n != 1)"
    return expression if _PLURAL_EXPRESSION.match(expression) else "(n != 1)"


def _plural_forms(translations: Any, singular: str, plural: str) -> list[str]:
    catalog = getattr(translations, "_catalog", None)
    if not catalog or (singular, 0) not in catalog:
        return [singular, plural]
    forms = []
    index = 0
    while (singular, index) in catalog:
        forms.append(catalog[(singular, index)])
        index += 1
    return forms


@cache
def catalogue_script(locale: str, static_folder: str) -> tuple[str, str]:
    """(script, version) for one language."""
    with force_locale(locale):
        translations = get_translations()
    messages: dict[str, str | list[str]] = {}
    for singular, plural in js_messages(static_folder):
        if plural is None:
            messages[singular] = translations.ugettext(singular)
        else:
            messages[singular] = _plural_forms(translations, singular, plural)
    body = json.dumps({"lang": tag(locale), "messages": messages}, ensure_ascii=False, sort_keys=True)
    expression = _plural_expression(translations)
    script = (
        f"window.portalMessages = {body};\n"
        f"window.portalMessages.plural = function (n) {{ return Number({expression}); }};\n"
    )
    return script, hashlib.sha256(script.encode()).hexdigest()[:12]


def _static_folder() -> str:
    assert current_app.static_folder is not None
    return current_app.static_folder


def catalogue_url() -> str:
    """The script's URL for the page's language."""
    locale = locale_from_tag(current_tag()) or current_app.config["BABEL_DEFAULT_LOCALE"]
    _script, version = catalogue_script(locale, _static_folder())
    return url_for("i18n.catalogue", lang=tag(locale), version=version)


@bp.get("/i18n/<lang>/<version>/messages.js")
def catalogue(lang: str, version: str) -> Response:
    locale = locale_from_tag(lang)
    if locale is None:
        abort(404)
    script, current = catalogue_script(locale, _static_folder())
    response = Response(script, mimetype="text/javascript")
    # An old version's URL still answers (a page cached before a deploy), but only the current one is kept long.
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable" if version == current else "no-cache"
    response.set_etag(current)
    return response


bp.add_app_template_global(catalogue_url, "js_catalogue_url")
