"""The self-check without JavaScript: the server evaluates the answers and forgets them (no storage, no log)."""

from __future__ import annotations

import json

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from portal.extensions import csrf, db
from portal.models import Trial
from portal.trials.page import default_contact_section, open_trials_search_url
from portal.trials.self_check import (
    AGE,
    AgeError,
    Answers,
    SelfCheck,
    SelfCheckError,
    SelfCheckResult,
    attached_answers,
    evaluate,
    read_answers,
    self_check_for,
)
from portal.trials.services import get_trial
from portal.trials.sites import site_rows

bp = Blueprint("self_check", __name__)


def attach_json(answers: Answers) -> str:
    """The answers as the contact form's hidden field carries them (the same shape the script stores)."""
    values: dict[str, str] = {AGE: str(answers.age)} if answers.age is not None else {}
    values |= {key: value for key, value in (("sex", answers.sex), ("condition", answers.condition)) if value}
    return json.dumps(values | answers.items, separators=(",", ":"))


def _trial_and_check(nct_id: str) -> tuple[Trial, SelfCheck]:
    trial = get_trial(db.session, nct_id.strip().upper())
    check = self_check_for(trial) if trial is not None else None
    if trial is None or check is None:
        abort(404)
    return trial, check


def _page(
    trial: Trial,
    check: SelfCheck,
    answers: Answers | None,
    outcome: SelfCheckResult | None = None,
    age_error: str | None = None,
    typed_age: str = "",
    status: int = 200,
) -> Response:
    condition = trial.condition_names[0] if trial.conditions else None
    html = render_template(
        "trials/self_check.html",
        trial=trial,
        check=check,
        answers=answers,
        outcome=outcome,
        age_error=age_error,
        typed_age=typed_age,
        other_trials_url=open_trials_search_url(condition),
        contact_available=default_contact_section(trial, site_rows(db.session, trial.id), generate_csrf()) is not None,
        attach_json=attach_json(answers) if answers is not None and attached_answers(check, answers) else "",
    )
    response = make_response(html, status)
    # The answers are this person's health: no browser or proxy may keep the page.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/trials/<nct_id>/self-check")
def questions(nct_id: str) -> Response:
    """The questions (structured first, then each criterion), answered in the browser or sent to the POST below."""
    trial, check = _trial_and_check(nct_id)
    if trial.nct_id != nct_id:
        return redirect(url_for("self_check.questions", nct_id=trial.nct_id), code=301)
    return _page(trial, check, None)


# Nothing is stored or sent here, so there is nothing for a forged request to do: no CSRF token, which keeps the
# form usable from a page kept open for hours.
@bp.post("/trials/<nct_id>/self-check")
@csrf.exempt
def evaluate_answers(nct_id: str) -> Response:
    trial, check = _trial_and_check(nct_id)
    form = request.form.to_dict(flat=True)
    try:
        answers = read_answers(check, form)
    except AgeError:
        answers = read_answers(check, {**form, AGE: ""})
        error = gettext("Please enter your age as a whole number of years, for example 42.")
        return _page(trial, check, answers, age_error=error, typed_age=(form.get(AGE) or "")[:3], status=422)
    except SelfCheckError:
        abort(400)
    return _page(trial, check, answers, evaluate(check, answers))
