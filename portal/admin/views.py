"""Admin routes: the overview, users (invite, disable), the outbox and the audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.accounts.mail import queue_invitation
from portal.accounts.services import AccountError, create_user, set_active
from portal.admin import catalog, phone_views, summaries  # noqa: F401  (their routes are part of this blueprint)
from portal.admin.blueprint import bp
from portal.admin.forms import InviteForm
from portal.admin.services import outbox_counts, waiting_mail
from portal.database import unit_of_work
from portal.extensions import db
from portal.mail import outbox
from portal.models import User
from portal.site.audit import recent_events

__all__ = ["bp"]


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined,no-any-return]


@bp.get("/")
def index() -> str:
    return render_template("admin/index.html", counts=outbox_counts(db.session))


def _users_page(form: InviteForm, status: int = 200) -> tuple[str, int]:
    users = list(db.session.scalars(select(User).order_by(User.role, User.display_name)))
    return render_template("admin/users.html", users=users, form=form), status


@bp.get("/users")
def users() -> tuple[str, int]:
    return _users_page(InviteForm())


@bp.post("/users")
def invite() -> Response | tuple[str, int]:
    form = InviteForm()
    if not form.validate_on_submit():
        return _users_page(form, 422)
    with unit_of_work() as uow:
        try:
            user = create_user(db.session, form.email.data, form.display_name.data, form.role.data)
        except AccountError:
            uow.rollback()
            form.email.errors = [gettext("This person already has an account.")]
            return _users_page(form, 422)
        uow.dispatch(queue_invitation(db.session, user, _me()))
    flash(gettext("Invitation sent to %(email)s.", email=user.email))
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
def set_user_active(user_id: int) -> Response:
    with unit_of_work() as uow:
        user = db.session.get(User, user_id) or abort(404)
        active = request.form.get("active") == "1"
        if user.id == _me().id and not active:
            uow.rollback()
            flash(gettext("You cannot disable your own account."))
            return redirect(url_for("admin.users"))
        set_active(db.session, user, active)
    if active:
        flash(gettext("%(email)s can sign in again.", email=user.email))
    else:
        flash(gettext("%(email)s is disabled and signed out everywhere.", email=user.email))
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/invitation")
def invite_again(user_id: int) -> Response:
    """A fresh link for someone whose invitation expired before they chose a password."""
    with unit_of_work() as uow:
        user = db.session.get(User, user_id) or abort(404)
        if user.password_hash is not None or not user.active:
            abort(404)
        uow.dispatch(queue_invitation(db.session, user, _me()))
    flash(gettext("Invitation sent to %(email)s.", email=user.email))
    return redirect(url_for("admin.users"))


@bp.get("/outbox")
def outbox_page() -> str:
    return render_template("admin/outbox.html", counts=outbox_counts(db.session), rows=waiting_mail(db.session))


@bp.post("/outbox/retry")
def outbox_retry() -> Response:
    with unit_of_work() as uow:
        count = outbox.retry_failed(db.session)
        uow.dispatch(outbox.due_ids(db.session))
    flash(gettext("%(count)d failed or partly sent messages will be sent again.", count=count))
    return redirect(url_for("admin.outbox_page"))


@bp.get("/audit")
def audit() -> str:
    before = request.args.get("before", type=int)
    events = recent_events(db.session, before_id=before)
    return render_template("admin/audit.html", events=events)
