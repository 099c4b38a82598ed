"""Routes: the JSON API the notes panel uses, and the passcode-protected page a shared link opens."""

from __future__ import annotations

import hashlib

from email_validator import EmailNotValidError
from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from portal.database import unit_of_work
from portal.extensions import db, limiter
from portal.i18n import current_locale
from portal.models import Trial
from portal.notes.forms import PasscodeForm
from portal.notes.services import (
    DEFAULT_EXPIRY_DAYS,
    ShareInputError,
    create_share,
    email_share_link,
    revoke_share,
    unlock_share,
)
from portal.trials.presenters import partial_date
from portal.trials.services import get_trial
from portal.urls import external_url
from portal.validation import normalised_email

bp = Blueprint("notes", __name__, url_prefix="/notes")

MAX_TOKEN_LENGTH = 64


def _unlock_limit() -> str:
    return current_app.config["NOTES_UNLOCK_RATE_LIMIT_IP"]


def _share_limit() -> str:
    return current_app.config["NOTES_SHARE_RATE_LIMIT_IP"]


def _email_limit() -> str:
    return current_app.config["NOTES_EMAIL_RATE_LIMIT_SHARE"]


def _owner_key() -> str:
    """Emails are counted per share (by a hash of its owner token), whatever the IP."""
    payload = request.get_json(silent=True)
    owner = str(payload.get("owner_token", "")) if isinstance(payload, dict) else ""
    return "notes-email:" + hashlib.sha256(owner.encode()).hexdigest()


@bp.after_request
def private_headers(response: Response) -> Response:
    # Links carry a secret and pages carry someone's notes: no search engines, no shared caches, no referrer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.errorhandler(TooManyRequests)
def too_many(error: TooManyRequests) -> tuple[Response | str, int]:
    if request.endpoint not in {"notes.open_share", "notes.unlock"}:
        return jsonify(errors={"form": gettext("Too many requests. Please wait a few minutes and try again.")}), 429
    return render_template("notes/share.html", form=PasscodeForm(), ip_limited=True), 429


@bp.errorhandler(CSRFError)
def form_expired(error: CSRFError) -> tuple[Response | str, int]:
    if request.endpoint != "notes.unlock":
        return jsonify(errors={"form": gettext("This page was open too long. Please reload it and try again.")}), 400
    form = PasscodeForm(formdata=None)
    form.passcode.errors = [gettext("This page was open too long. Please enter the passcode again.")]
    return render_template("notes/share.html", form=form), 400


@bp.get("/csrf-token")
def csrf_token() -> Response:
    """A form token for the panel's JSON requests (the trial page itself is cached and shared by everyone)."""
    return jsonify(csrf_token=generate_csrf())


@bp.post("/shares")
@limiter.limit(_share_limit)
def create() -> tuple[Response, int]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(errors={"form": gettext("We could not read your notes. Please try again.")}), 400
    with unit_of_work() as uow:
        trial = get_trial(db.session, str(payload.get("nct_id", "")).strip().upper()[:11])
        if trial is None:
            uow.rollback()
            return jsonify(errors={"form": gettext("We could not find this trial.")}), 404
        try:
            created = create_share(
                db.session,
                trial,
                payload.get("notes"),
                days=payload.get("days", DEFAULT_EXPIRY_DAYS),
                chosen_passcode=payload.get("passcode"),
                ui_locale=current_locale(),
            )
        except ShareInputError as exc:
            uow.rollback()
            return jsonify(errors=exc.errors), 422
    url = external_url("notes.open_share", token=created.token)
    body = {
        "url": url,
        "passcode": created.passcode,
        "owner_token": created.owner_token,
        "expires_at": created.share.expires_at.isoformat(),
        # Written here, so the notes panel shows the date as every page does (one form, the page's locale).
        "expires_on": partial_date(created.share.expires_at),
        "count": len(created.share.notes),
    }
    return jsonify(body), 201


@bp.post("/shares/revoke")
def revoke() -> Response | tuple[Response, int]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(errors={"form": gettext("We could not read your request. Please try again.")}), 400
    owner_token = payload.get("owner_token")
    with unit_of_work():
        revoked = revoke_share(db.session, owner_token)
    if not revoked:
        return jsonify(revoked=False), 404
    return jsonify(revoked=True)


@bp.post("/shares/email")
@limiter.limit(_share_limit)
@limiter.limit(_email_limit, key_func=_owner_key)
def email_link() -> Response | tuple[Response, int]:
    """Send the link, never the passcode, through the outbox."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(errors={"form": gettext("We could not read your request. Please try again.")}), 400
    try:
        address = normalised_email(str(payload.get("email", "")).strip()[:254])
    except EmailNotValidError:
        return jsonify(errors={"email": gettext("Please enter a valid email address, like name@example.com.")}), 422
    with unit_of_work() as uow:
        rows = email_share_link(db.session, payload.get("owner_token"), payload.get("url"), address)
        if not rows:
            uow.rollback()
            return jsonify(errors={"form": gettext("This link no longer works, so we cannot send it.")}), 404
        uow.dispatch(rows)
    return jsonify(sent=True)


def _check_token(token: str) -> None:
    if len(token) > MAX_TOKEN_LENGTH:
        abort(404)


@bp.get("/s/<token>")
def open_share(token: str) -> str:
    """The same form for every token: whether a share exists shows only after the right passcode."""
    _check_token(token)
    return render_template("notes/share.html", form=PasscodeForm(formdata=None))


@bp.post("/s/<token>")
@limiter.limit(_unlock_limit, deduct_when=lambda response: response.status_code != 200)
def unlock(token: str) -> tuple[str, int]:
    _check_token(token)
    form = PasscodeForm()
    if not form.validate_on_submit():
        return render_template("notes/share.html", form=form), 422
    with unit_of_work():  # a wrong passcode is counted, so the unlock writes either way
        result = unlock_share(db.session, token, form.passcode.data or "")
        share = result.share
        trial_updated = False
        if share is not None:
            current = db.session.get(Trial, share.trial_id)
            trial_updated = current is not None and current.last_update_posted_on != share.trial_last_update
    if share is not None:
        return render_template("notes/shared.html", share=share, trial_updated=trial_updated), 200
    form.passcode.data = ""
    if result.locked_for is not None:
        return render_template("notes/share.html", form=form, locked_minutes=result.locked_minutes), 429
    form.passcode.errors = [
        gettext("This passcode does not open this link. Check the passcode and the link, and try again.")
    ]
    return render_template("notes/share.html", form=form), 403
