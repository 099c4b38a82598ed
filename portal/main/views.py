"""The home page and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.extensions import db
from portal.trials.services import status_counts

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> str:
    counts = status_counts(db.session)
    return render_template(
        "main/home.html",
        total=sum(counts.values()),
        recruiting=counts.get("RECRUITING", 0),
        all_statuses=sorted(counts),
    )


@bp.get("/healthz")
def healthz() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
