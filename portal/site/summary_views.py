"""The plain-language summary editor, one page for operators and site members alike.

Who may open it for which trial is decided by `portal.site.services.get_editable_trial`; anyone else gets a 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.database import unit_of_work
from portal.extensions import db, limiter
from portal.models import Trial
from portal.models.user import User
from portal.site.forms import PlainSummaryForm
from portal.site.services import get_editable_trial
from portal.site.summaries import (
    MAX_SUMMARY,
    TARGET_GRADE,
    author_site,
    plain_summary_of,
    reading_grade,
    save_plain_summary,
)
from portal.text import render_markdown
from portal.validation import is_nct_id

bp = Blueprint("summaries", __name__, url_prefix="/site/trials")


@bp.before_request
@login_required
def require_sign_in() -> None:
    """Staff only; anonymous visitors are sent to sign in and brought back."""


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _trial_or_404(nct_id: str) -> Trial:
    trial = get_editable_trial(db.session, _user(), nct_id) if is_nct_id(nct_id) else None
    if trial is None:
        abort(404)
    return trial


def _editor(trial: Trial, form: PlainSummaryForm, status: int = 200, preview: bool = False) -> tuple[str, int]:
    summary = plain_summary_of(db.session, trial)
    text = form.markdown.data if form.markdown.data is not None else (summary.markdown if summary else "")
    return render_template(
        "site/plain_summary.html",
        trial=trial,
        form=form,
        summary=summary,
        site=author_site(db.session, _user(), trial),
        preview_html=render_markdown(text) if preview else None,
        grade=None if form.errors else reading_grade(text),
        target_grade=TARGET_GRADE,
        max_summary=MAX_SUMMARY,
    ), status


@bp.get("/<nct_id>/plain-summary")
def edit(nct_id: str) -> tuple[str, int]:
    trial = _trial_or_404(nct_id)
    summary = plain_summary_of(db.session, trial)
    return _editor(trial, PlainSummaryForm(markdown=summary.markdown if summary else None))


@bp.post("/<nct_id>/plain-summary")
def save(nct_id: str) -> Response | tuple[str, int]:
    with unit_of_work() as uow:
        trial = _trial_or_404(nct_id)
        form = PlainSummaryForm()
        if not form.validate_on_submit():
            uow.rollback()
            return _editor(trial, form, 422)
        if form.action.data != "save":
            uow.rollback()  # a preview stores nothing
            return _editor(trial, form, preview=True)
        _summary, changed = save_plain_summary(db.session, _user(), trial, form.markdown.data)
    if changed:
        flash(gettext("Saved. The summary is on the trial's page now."))
    else:
        flash(gettext("Nothing changed."))
    return redirect(url_for("summaries.edit", nct_id=trial.nct_id))


def _grade_limit() -> str:
    return current_app.config["SUMMARY_GRADE_RATE_LIMIT"]


def _user_key() -> str:
    # Limits run before the blueprint's sign-in check: an anonymous request is counted by its address.
    user_id = getattr(current_user, "id", None)
    return f"user:{user_id}" if user_id is not None else f"ip:{request.remote_addr}"


@bp.post("/<nct_id>/plain-summary/grade")
@limiter.limit(_grade_limit, key_func=_user_key)
def live_grade(nct_id: str) -> tuple[Response, int]:
    """The reading grade as the editor types (static/js/plain-summary.js); the form token is checked, as on every
    POST, and nothing is stored. Without JavaScript, "Preview" gives the same."""
    trial = _trial_or_404(nct_id)
    form = PlainSummaryForm()
    form.validate()
    if form.markdown.errors and form.markdown.data:  # too long or a forbidden character; empty is just empty
        return jsonify(error=str(form.markdown.errors[0])), 422
    html = render_template(
        "site/_reading_grade.html", grade=reading_grade(form.markdown.data), target_grade=TARGET_GRADE
    )
    return jsonify(nct_id=trial.nct_id, html=html), 200


@bp.get("/plain-summary")
def find() -> Response:
    """The operators' "write a summary for trial …" box: a GET form with an NCT number."""
    nct_id = request.args.get("nct_id", "").strip().upper()[:20]
    _trial_or_404(nct_id)
    return redirect(url_for("summaries.edit", nct_id=nct_id))
