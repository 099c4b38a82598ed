"""A patient's withdrawal, posted from their request's status page (portal.contact.status_views)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from werkzeug.wrappers import Response

from portal.contact.status import read_status_token, request_for_status
from portal.contact.status_views import WithdrawForm, private_headers, status_rate_limit
from portal.database import unit_of_work
from portal.extensions import db, limiter
from portal.privacy.withdrawal import withdraw_request

bp = Blueprint("withdrawal", __name__, url_prefix="/requests")
bp.after_request(private_headers)


@bp.post("/<token>/withdraw")
@limiter.limit(status_rate_limit)
def withdraw(token: str) -> Response:
    nonce = read_status_token(token)
    if nonce is None:
        abort(404)
    if not WithdrawForm().validate_on_submit():
        abort(400)
    with unit_of_work() as uow:
        contact = request_for_status(db.session, nonce)
        if contact is not None:  # already withdrawn: the same answer, nothing to do
            uow.dispatch(withdraw_request(db.session, contact))
    return redirect(url_for("withdrawal.withdrawn"))


@bp.get("/withdrawn")
def withdrawn() -> str:
    return render_template("contact/withdrawn.html")
