"""Routes: the trial list and a trial's page."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portal.ctgov.record import NCT_ID_RE
from portal.extensions import db
from portal.search.links import blank_facets, search_links
from portal.search.service import SearchHit, parse_search_args, search_trials
from portal.trials import freshness
from portal.trials.location_pages import cached_locations_page
from portal.trials.page import cached_trial_page
from portal.trials.presenters import partial_date

bp = Blueprint("trials", __name__)


@bp.get("/trials")
def index() -> Response | tuple[str, int]:
    if "condition" in request.args and "q" not in request.args:
        # Old links searched conditions only; the search box reads conditions and much more.
        args = request.args.to_dict(flat=False)
        args["q"] = args.pop("condition")
        return redirect(url_for("trials.index", **args), code=301)
    query, errors = parse_search_args(request.args)
    query = replace(query, per_page=current_app.config["TRIALS_PER_PAGE"])
    results = None if errors else search_trials(db.session, query)
    html = render_template(
        "trials/index.html",
        args=request.args,
        query=query,
        errors=errors,
        results=results,
        links=search_links(query, results, url_for("trials.index")),
        blank_facets=blank_facets(db.session) if errors else {},
        status_warnings=status_warnings(results.hits) if results else {},
    )
    return html, 400 if errors else 200


def status_warnings(hits: list[SearchHit]) -> dict[str, str]:
    """The "status may be out of date" sentence of each hit that has one, by NCT ID (computed per request, so it
    follows the calendar; search pages are not cached)."""
    today = freshness.today()
    warnings = {}
    for hit in hits:
        warning = freshness.stale_status_warning(
            hit.overall_status,
            hit.status_verified_date,
            hit.primary_completion_date,
            hit.primary_completion_date_type,
            today,
        )
        if warning:
            warnings[hit.nct_id] = warning
    return warnings


def _canonical_id(nct_id: str) -> str:
    """The NCT ID as the registry writes it; 404 for anything not shaped like one."""
    canonical_id = nct_id.strip().upper()
    if not NCT_ID_RE.match(canonical_id):
        abort(404)
    return canonical_id


def _page(body: bytes | None) -> Response:
    if body is None:
        abort(404)
    response = make_response(body)
    response.content_type = "text/html; charset=utf-8"
    # The page holds this visitor's form token: browsers may keep it, shared caches may not.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/trials/<nct_id>")
def detail(nct_id: str) -> Response:
    canonical_id = _canonical_id(nct_id)
    if canonical_id != nct_id:
        return redirect(url_for("trials.detail", nct_id=canonical_id), code=301)
    return _page(cached_trial_page(db.session, canonical_id))


@bp.get("/trials/<nct_id>/locations")
def locations(nct_id: str) -> Response:
    """A trial's sites by place: ?country=...&region=... as the record writes them (an empty value: not given)."""
    canonical_id = _canonical_id(nct_id)
    if canonical_id != nct_id:
        return redirect(url_for("trials.locations", nct_id=canonical_id, **request.args), code=301)
    args = request.args
    return _page(cached_locations_page(db.session, canonical_id, args.get("country"), args.get("region")))


@bp.app_template_filter("day")
def day_filter(value: date | str | None) -> str:
    """A date in the one form every page uses, in the reader's language ("23 January 2025", "23 de enero de 2025")."""
    return partial_date(value) or ""
