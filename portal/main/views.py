"""The home page, the about page and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.extensions import db
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


@bp.get("/healthz")
def healthz() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
