"""A patient's withdrawal, posted from their request's status page (portal.contact.status_views)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response

from portal.contact.status import read_status_token, request_for_status
from portal.contact.status_views import WithdrawForm
from portal.database import unit_of_work
from portal.extensions import db, limiter
from portal.privacy.withdrawal import withdraw_request

bp = Blueprint("withdrawal", __name__, url_prefix="/requests")


def _limit() -> str:
    return current_app.config["REQUEST_STATUS_RATE_LIMIT_IP"]


@bp.after_request
def private_headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/<token>/withdraw")
@limiter.limit(_limit)
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
