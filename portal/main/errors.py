"""Friendly error pages: the right 4xx status, a 503 when the database is away, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, TooManyRequests
from werkzeug.wrappers import Response

from portal.edge import database_unavailable, wants_json

log = logging.getLogger(__name__)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response | str, int]:
        code = error.code or 500
        if wants_json():
            return jsonify(error=error.description or error.name), code
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
    def database_error(error: Exception) -> tuple[Response | str, int]:
        return database_unavailable(error)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError) -> tuple[Response | str, int]:
        if wants_json():
            return jsonify(error=gettext("Something went wrong on our side. Please try again soon.")), 500
        return render_template("errors/error.html", error=error, code=500), 500
