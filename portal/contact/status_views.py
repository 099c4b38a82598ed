"""The patient's pages behind signed links: where a request is (/requests/<token>), and a fallback offer to confirm."""

from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField
from wtforms.validators import DataRequired

from portal.contact.offers import read_offer_token
from portal.contact.services import ContactError, PatientDetails, submit_contact_request
from portal.contact.status import STAGES, read_status_token, request_for_status, stage_labels, status_view
from portal.contact.views import SENT_KEY
from portal.database import unit_of_work
from portal.extensions import db, limiter
from portal.models import ContactRequest, Site
from portal.vocabulary import OPEN_STATUSES, RECRUITING

bp = Blueprint("requests", __name__, url_prefix="/requests")


class WithdrawForm(FlaskForm):
    """Withdrawing is one POST (the privacy feature handles it); the form is only its CSRF token."""


class OfferForm(FlaskForm):
    consent = BooleanField(
        _l("I agree that you send my name, email, phone number, preferred language and message to this study site."),
        [DataRequired(_l("Please tick this box to send your request to this site."))],
    )


def status_rate_limit() -> str:
    """Per IP, for the status pages, withdrawals (portal.privacy) and fallback offers."""
    return current_app.config["REQUEST_STATUS_RATE_LIMIT_IP"]


@bp.after_request
def private_headers(response: Response) -> Response:
    """A secret link to someone's request: no caches, no search engines, no referrer (portal.privacy's
    withdrawal pages use it too)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _request(nonce: str | None) -> ContactRequest:
    if nonce is None:
        abort(404)
    contact = request_for_status(db.session, nonce)
    if contact is None:  # a genuine link whose request was withdrawn or deleted
        abort(make_response(render_template("contact/request_gone.html"), 404))
    return contact


@bp.get("/<token>")
@limiter.limit(status_rate_limit)
def status_page(token: str) -> str:
    view = status_view(db.session, _request(read_status_token(token)))
    return render_template(
        "contact/status.html", view=view, stages=STAGES, labels=stage_labels(), token=token, form=WithdrawForm()
    )


def _offer(token: str) -> tuple[ContactRequest, Site]:
    payload = read_offer_token(token)
    contact = _request(payload[0] if payload else None)
    assert payload is not None
    site = db.session.get(Site, payload[1])
    if site is None or site.status != RECRUITING or site.trial.overall_status not in OPEN_STATUSES or site.trial.hidden:
        abort(make_response(render_template("contact/offer_closed.html", contact=contact), 410))
    return contact, site


def _offer_page(contact: ContactRequest, site: Site, form: OfferForm, status: int = 200) -> tuple[str, int]:
    return render_template("contact/offer.html", contact=contact, site=site, trial=site.trial, form=form), status


@bp.get("/offer/<token>")
@limiter.limit(status_rate_limit)
def offer_page(token: str) -> tuple[str, int]:
    contact, site = _offer(token)
    return _offer_page(contact, site, OfferForm())


@bp.post("/offer/<token>")
@limiter.limit(status_rate_limit)
def offer_send(token: str) -> Response | tuple[str, int]:
    """The patient's fresh consent for one offered site: a new request, through the same service and outbox."""
    contact, site = _offer(token)
    form = OfferForm()
    if not form.validate_on_submit():
        return _offer_page(contact, site, form, 422)
    details = PatientDetails(
        first_name=contact.first_name,
        last_name=contact.last_name,
        email=contact.email,
        phone=contact.phone,
        language=contact.language,
        message=contact.message,
    )
    trial = site.trial
    with unit_of_work() as uow:
        try:
            submission = submit_contact_request(db.session, trial, site, details)
        except ContactError:
            uow.rollback()
            form.consent.errors = [gettext("This site is no longer taking requests.")]
            return _offer_page(contact, site, form, 422)
        uow.dispatch(submission.outbox_rows)
    session[SENT_KEY] = {"id": submission.request.public_id, "at": int(time.time())}
    return redirect(url_for("contact.sent", nct_id=trial.nct_id))
