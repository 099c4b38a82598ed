"""The home page, the about page, the icons and web app manifest, and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.i18n import current_tag
from portal.search.synonyms import synonym_credits
from portal.trials.services import status_counts
from portal.vocabulary import RECRUITING

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> str:
    counts = status_counts(db.session)
    return render_template(
        "main/home.html",
        total=sum(counts.values()),
        recruiting=counts.get(RECRUITING, 0),
        all_statuses=sorted(counts),
    )


@bp.get("/about")
def about() -> str:
    # The HPO licence asks every service using it to say so, with the version used: read from the data itself.
    return render_template("main/about.html", credits=synonym_credits())


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page says; the file is static/favicon.ico."""
    assert current_app.static_folder is not None
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=86400)


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest: the name, colours and icons a phone uses when the site is added to its home screen."""
    name = current_app.config["PORTAL_NAME"]
    body = {
        "name": name,
        "short_name": name,
        "description": gettext(
            "Find clinical trials that are looking for people to take part, and contact the study team near you."
        ),
        "lang": current_tag(),
        "start_url": url_for("main.home"),
        "scope": url_for("main.home"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5394",
        "icons": [
            {"src": url_for("static", filename="img/logo.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": url_for("static", filename="img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/healthz")
def healthz() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
