"""Routes: sign in and out, accept an invitation, reset or change a password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from portal.accounts.forms import ChangePasswordForm, NewPasswordForm, ResetRequestForm, SignInForm
from portal.accounts.mail import queue_password_reset
from portal.accounts.passwords import verify_password
from portal.accounts.services import authenticate, find_user, set_password
from portal.accounts.sessions import end_session, start_session
from portal.accounts.tokens import INVITATION, RESET, user_for_token
from portal.database import unit_of_work
from portal.extensions import db, limiter
from portal.models.user import User

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host, a scheme, or a protocol-relative //host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def home_for(user: User) -> str:
    return url_for("admin.index") if user.is_admin else url_for("site.index")


def _sign_in_as(user: User) -> None:
    """A fresh cookie session at sign-in (the old identifier is dropped), carrying the new server-side token."""
    session.clear()
    login_user(user)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in() -> Response | tuple[str, int] | str:
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or home_for(current_user))
    form = SignInForm()
    if not form.validate_on_submit():
        return render_template("accounts/sign_in.html", form=form, next_url=next_url), (422 if form.errors else 200)
    with unit_of_work():  # committed either way: a failure counts towards the lockout
        result = authenticate(db.session, form.email.data, form.password.data, request.remote_addr or "")
        if result.ok and result.user is not None:
            _sign_in_as(result.user)
    if result.ok and result.user is not None:
        return redirect(next_url or home_for(result.user))
    if result.locked:
        message = gettext(
            "Too many sign-in attempts. Please wait %(minutes)d minutes and try again.",
            minutes=current_app.config["LOCKOUT_WINDOW_MINUTES"],
        )
        status = 429
    else:
        message = gettext("The email address or password is not right, or the account is not active.")
        status = 401
    form.password.errors = [message]
    return render_template("accounts/sign_in.html", form=form, next_url=next_url), status


@bp.post("/sign-out")
def sign_out() -> Response:
    if current_user.is_authenticated:
        with unit_of_work():
            end_session(db.session, current_user.session_token)
    session.clear()
    logout_user()  # after the clear, which would drop its request to delete a remember cookie the browser has
    return redirect(url_for("accounts.sign_in"))


def _set_password_page(token: str, purpose: str, template: str) -> Response | tuple[str, int] | str:
    user = user_for_token(db.session, token, purpose)
    if user is None:
        return render_template("accounts/link_expired.html", purpose=purpose), 410
    form = NewPasswordForm(email=user.email)
    if not form.validate_on_submit():
        return render_template(template, form=form, user=user), (422 if form.errors else 200)
    with unit_of_work() as uow:
        user = user_for_token(db.session, token, purpose)  # again inside the write: a link works once
        if user is None:
            uow.rollback()
            return render_template("accounts/link_expired.html", purpose=purpose), 410
        set_password(db.session, user, form.password.data)
        start_session(db.session, user)
        _sign_in_as(user)
    flash(gettext("Your password is set. You are signed in."))
    return redirect(home_for(user))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def accept_invitation(token: str) -> Response | tuple[str, int] | str:
    return _set_password_page(token, INVITATION, "accounts/accept_invitation.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def reset_password(token: str) -> Response | tuple[str, int] | str:
    return _set_password_page(token, RESET, "accounts/reset_password.html")


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def request_reset() -> Response | tuple[str, int] | str:
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return render_template("accounts/request_reset.html", form=form), (422 if form.errors else 200)
    with unit_of_work() as uow:
        user = find_user(db.session, form.email.data)
        uow.dispatch(queue_password_reset(db.session, user) if user is not None and user.active else [])
    # The same answer whether or not the address has an account.
    return render_template("accounts/reset_sent.html")


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_sign_in_limit, methods=["POST"])  # a borrowed session must not become a password oracle
def change_password() -> Response | tuple[str, int] | str:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    form = ChangePasswordForm(email=user.email)
    if not form.validate_on_submit():
        return render_template("accounts/change_password.html", form=form), (422 if form.errors else 200)
    if not verify_password(user.password_hash, form.current.data):
        form.current.errors = [gettext("Your current password is not right.")]
        return render_template("accounts/change_password.html", form=form), 422
    with unit_of_work():
        user = db.session.get(User, user.id) or abort(404)
        set_password(db.session, user, form.password.data)  # ends every session, this one included
        start_session(db.session, user)
        _sign_in_as(user)
    flash(gettext("Your password is changed. Other browsers where you were signed in are signed out."))
    return redirect(home_for(user))
