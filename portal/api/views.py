"""JSON routes. Read-only and cookie-free, so no CSRF; rate limited per IP like everything a bot would hammer."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from portal.api.records import trial_record
from portal.extensions import db, limiter
from portal.search.service import SearchHit, SearchPage, parse_search_args, search_trials
from portal.trials.services import get_trial
from portal.urls import external_url
from portal.validation import parse_whole

bp = Blueprint("api", __name__, url_prefix="/api/v1")
OPENAPI_FILE = Path(__file__).with_name("openapi.json")
MAX_PER_PAGE = 100


def _limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


@cache
def openapi_document() -> dict[str, Any]:
    return json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))


def _error(status: int, message: str, fields: dict[str, str] | None = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": message}
    if fields:
        body["fields"] = fields
    return jsonify(body), status


def http_error(error: HTTPException) -> tuple[Response, int]:
    """Errors inside the API are JSON too (a 429 from the limiter included)."""
    return _error(error.code or 500, error.description or error.name)


# By status code: the app's own handlers for these codes render HTML pages, and Flask tries code handlers first.
for _code in (400, 404, 405, 429):
    bp.register_error_handler(_code, http_error)
bp.register_error_handler(HTTPException, http_error)


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.get("/trials/<nct_id>")
@limiter.limit(_limit)
def trial(nct_id: str) -> Response | tuple[Response, int]:
    found = get_trial(db.session, nct_id.strip().upper()[:20])
    if found is None:
        return _error(404, "No trial with this NCT ID.")
    return jsonify(trial_record(found))


@bp.get("/trials")
@limiter.limit(_limit)
def search() -> Response | tuple[Response, int]:
    query, errors = parse_search_args(request.args)
    per_page_text = (request.args.get("per_page") or "").strip()
    per_page = current_app.config["TRIALS_PER_PAGE"]
    if per_page_text:
        per_page = parse_whole(per_page_text, 1, MAX_PER_PAGE) or 0
        if not per_page:
            errors["per_page"] = f"Use a whole number from 1 to {MAX_PER_PAGE}."
    if errors:
        return _error(400, "Some parameters are not valid.", errors)
    page = search_trials(db.session, replace(query, per_page=per_page))
    return jsonify(search_result(page, per_page))


def _hit(hit: SearchHit) -> dict[str, Any]:
    nearest = hit.nearest
    return {
        "nct_id": hit.nct_id,
        "url": external_url("trials.detail", nct_id=hit.nct_id),
        "brief_title": hit.brief_title,
        "overall_status": hit.overall_status,
        "conditions": list(hit.conditions),
        "reasons": list(hit.reasons),
        "phases": list(hit.phases or []),
        "study_type": hit.study_type,
        "eligibility_given": hit.eligibility_given,
        "minimum_age": hit.minimum_age_text,
        "maximum_age": hit.maximum_age_text,
        "nearest_site": None
        if nearest is None
        else {
            "facility": nearest.facility,
            "city": nearest.city,
            "state": nearest.state,
            "country": nearest.country,
            "distance": round(nearest.distance, 1),
            "unit": nearest.unit,
        },
    }


def search_result(page: SearchPage, per_page: int) -> dict[str, Any]:
    return {
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
        "per_page": per_page,
        "results": [_hit(hit) for hit in page.hits],
        "facets": {
            name: [{"value": value, "label": label, "count": count} for value, label, count in values]
            for name, values in page.facets.items()
        },
        "did_you_mean": page.did_you_mean,
        "relax": page.relax,
    }
