"""Friendly error pages: the right 4xx status, a 503 when the database is away, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, TooManyRequests

log = logging.getLogger(__name__)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        template = "errors/404.html" if code == 404 else "errors/error.html"
        return render_template(template, error=error, code=code), code

    @app.errorhandler(TooManyRequests)
    def too_many(error: TooManyRequests) -> tuple[str, int]:
        return render_template("errors/429.html", error=error), 429

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str, int]:
        return render_template("errors/error.html", error=error, code=400), 400

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_unavailable(error: Exception) -> tuple[str, int]:
        # The message may hold SQL parameters (personal data): log only the kind of error.
        original = getattr(error, "orig", None)
        detail = getattr(original, "sqlite_errorname", None) or getattr(original, "sqlstate", None)
        log.error("database error: %s %s %s", type(error).__name__, type(original).__name__, detail or "")
        return render_template("errors/503.html"), 503

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError) -> tuple[str, int]:
        return render_template("errors/error.html", error=error, code=500), 500
