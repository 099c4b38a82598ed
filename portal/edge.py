"""The edge of every request: body size limits, JSON that parses, and a 400 for what no database keeps.

Field-by-field rules (lengths, formats, control characters) stay with each form and parameter parser, which
show the message beside the field. Here: a JSON body that is malformed, too deep or holds half a surrogate pair
is refused before any view, CSRF check or rate limit reads it; and a NUL or lone surrogate that got past every
field's check is caught on its way into the database (portal.database) and answered with a 400, nothing kept.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.validation import MAX_DATABASE_INTEGER, JsonBodyError, UnstorableInput, check_json_value

log = logging.getLogger(__name__)

# Routes that answer JSON, so their errors are JSON too.
JSON_PREFIXES = ("/api/",)
JSON_ENDPOINTS = {"notes.create", "notes.revoke", "notes.email_link", "notes.csrf_token", "alerts.conditions"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
UPLOAD_ENDPOINTS = {"admin.import_trials"}


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in our URLs: ASCII digits that fit a database integer, else the route does not match (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", MAX_DATABASE_INTEGER)
        super().__init__(map, *args, **kwargs)


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or request.endpoint in JSON_ENDPOINTS


def database_unavailable(error: Exception) -> tuple[Response | str, int]:
    """The 503 for a database that cannot be reached or refused a statement: JSON on JSON routes, else a page."""
    # The message may hold SQL parameters (personal data): log only the kind of error.
    original = getattr(error, "orig", None)
    detail = getattr(original, "sqlite_errorname", None) or getattr(original, "sqlstate", None)
    log.error("database error: %s %s %s", type(error).__name__, type(original).__name__, detail or "")
    if wants_json():
        return jsonify(error=gettext("This service is not working at the moment. Please try again soon.")), 503
    return render_template("errors/503.html"), 503


def _refuse(part: str, message: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error=message, fields={part: message}), 400
    return render_template("errors/bad_input.html", part=part, message=message), 400


def check_request() -> tuple[Response | str, int] | None:
    if request.method not in WRITE_METHODS or not request.is_json:
        return None
    try:
        # Parsed once, here: the views' request.get_json() reads Flask's cached value.
        value = request.get_json(silent=True)  # None for a body that is not UTF-8 JSON (or is "null")
        if value is None:
            raise JsonBodyError("not JSON")
        check_json_value(value)
    except (JsonBodyError, RecursionError):  # very deep nesting makes json.loads raise RecursionError
        return _refuse("body", gettext("We could not read this request. Please reload the page and try again."))
    return None


def init_edge(app: Flask) -> None:
    """Register before the extensions whose hooks read the body (CSRF, the limiter's key functions)."""
    app.url_map.converters["int"] = DatabaseIdConverter

    @app.before_request
    def edge() -> tuple[Response | str, int] | None:
        if request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = app.config["ADMIN_UPLOAD_MAX_BYTES"]
        return check_request()

    if app.config["PORTAL_ENV"] == "production":
        # Registered before the extensions, so it runs after their after_request hooks (Flask-Login's included).
        app.after_request(secure_every_cookie)

    @app.errorhandler(UnstorableInput)
    def unstorable(error: UnstorableInput) -> tuple[Response | str, int]:
        # Caught on its way into the database, past every form's own checks: nothing of this request is kept.
        db.session.rollback()
        return _refuse("input", gettext("This contains a character we cannot accept. Please remove it and try again."))

    @app.errorhandler(413)
    def too_large(error: HTTPException) -> tuple[Response | str, int]:
        message = gettext("What you sent is too large. Please send less and try again.")
        if wants_json():
            return jsonify(error=message), 413
        return render_template("errors/error.html", error=error, code=413, message=message), 413


def secure_every_cookie(response: Response) -> Response:
    """Production serves HTTPS only: every Set-Cookie is Secure, including the ones that delete a cookie.

    Flask-Login deletes its remember cookie without the Secure attribute, and a browser ignores an insecure
    Set-Cookie for a `__Host-` name, so such a cookie would never be removed.
    """
    cookies = response.headers.getlist("Set-Cookie")
    if cookies and not all(_is_secure(cookie) for cookie in cookies):
        response.headers.remove("Set-Cookie")
        for cookie in cookies:
            response.headers.add("Set-Cookie", cookie if _is_secure(cookie) else f"{cookie}; Secure")
    return response


def _is_secure(cookie: str) -> bool:
    return any(part.strip().lower() == "secure" for part in cookie.split(";")[1:])
