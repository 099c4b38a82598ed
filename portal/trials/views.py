"""Routes: the trial list and a trial's page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portal.ctgov.record import NCT_ID_RE
from portal.extensions import db
from portal.trials.page import cached_trial_page
from portal.trials.presenters import STATUS_LABELS
from portal.trials.services import MAX_CONDITION_QUERY, TrialFilters, list_trials

bp = Blueprint("trials", __name__)


@bp.get("/trials")
def index() -> str:
    status = request.args.get("status", "").strip().upper() or None
    if status not in STATUS_LABELS:
        status = None
    condition = request.args.get("condition", "").strip()[:MAX_CONDITION_QUERY] or None
    page = request.args.get("page", 1, type=int) or 1
    filters = TrialFilters(status=status, condition=condition)
    pagination = list_trials(filters, page=max(page, 1), per_page=current_app.config["TRIALS_PER_PAGE"])
    return render_template(
        "trials/index.html",
        pagination=pagination,
        filters=filters,
        status_labels=STATUS_LABELS,
    )


@bp.get("/trials/<nct_id>")
def detail(nct_id: str) -> Response:
    canonical_id = nct_id.strip().upper()
    if not NCT_ID_RE.match(canonical_id):
        abort(404)
    if canonical_id != nct_id:
        return redirect(url_for("trials.detail", nct_id=canonical_id), code=301)
    body = cached_trial_page(db.session, canonical_id)
    if body is None:
        abort(404)
    response = make_response(body)
    response.content_type = "text/html; charset=utf-8"
    # The page holds this visitor's form token: browsers may keep it, shared caches may not.
    response.headers["Cache-Control"] = "private, no-cache"
    return response
