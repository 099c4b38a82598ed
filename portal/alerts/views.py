"""Routes: sign up, confirm (a button, never a bare GET), manage, and the RFC 8058 one-click unsubscribe."""

from __future__ import annotations

import hashlib

from email_validator import EmailNotValidError
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.alerts import services
from portal.alerts.forms import MAX_CONDITION_LENGTH, MAX_CONDITIONS, RADII, UNITS, ManageForm, SignupForm
from portal.alerts.suggestions import known_conditions
from portal.alerts.tokens import BadLink, ExpiredLink, read_confirm_token, read_manage_token
from portal.database import unit_of_work
from portal.extensions import csrf, db, limiter
from portal.geo import MAX_PLACE_QUERY
from portal.mail.outbox import delivery_key
from portal.models.alert import Subscriber, TrialAlert
from portal.models.trial import Trial
from portal.trials.services import get_trial
from portal.validation import normalised_email

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


def _ip_limit() -> str:
    return current_app.config["ALERTS_RATE_LIMIT_IP"]


def _address_limit() -> str:
    return current_app.config["ALERTS_RATE_LIMIT_EMAIL"]


def _address_key() -> str:
    """Mail to one address is limited however many IPs ask; keyed on a hash, so no address is stored."""
    typed = (request.form.get("email") or "").strip()[:254]
    try:
        address = normalised_email(typed)
    except EmailNotValidError:
        address = typed
    return "alerts-email:" + hashlib.sha256(address.casefold().encode()).hexdigest()


@bp.after_request
def private_pages(response: Response) -> Response:
    """Pages reached through personal links are never stored by browsers or proxies."""
    if request.endpoint != "alerts.condition_suggestions":
        response.headers["Cache-Control"] = "no-store"
    return response


def _bad_link(expired: bool = False) -> tuple[str, int]:
    return render_template("alerts/bad_link.html", expired=expired), 410 if expired else 400


@bp.get("/")
def signup() -> str:
    """The sign-up form, filled in from a trial (`trial`) or from a search (`conditions`, `place`, `radius`,
    `unit`, as the search page's "Get an email when a new trial fits this search" sends them)."""
    form = SignupForm(formdata=None)
    trial = None
    nct_id = request.args.get("trial", "")
    if nct_id:
        trial = get_trial(db.session, nct_id.upper()[:20])
        if trial is not None:
            form.conditions.data = "\n".join(trial.condition_names[:10])
    elif conditions := request.args.get("conditions", ""):
        form.conditions.data = conditions.replace('"', "")[: MAX_CONDITION_LENGTH * MAX_CONDITIONS]
    form.place.data = request.args.get("place", "")[:MAX_PLACE_QUERY]
    if request.args.get("radius") in RADII:
        form.radius.data = request.args["radius"]
    if request.args.get("unit") in UNITS:
        form.unit.data = request.args["unit"]
    return render_template("alerts/signup.html", form=form, trial=trial)


@bp.post("/")
@limiter.limit(_ip_limit)
@limiter.limit(_address_limit, key_func=_address_key, deduct_when=lambda response: response.status_code == 302)
def signup_submit() -> Response | tuple[str, int]:
    form = SignupForm()
    if not form.validate():
        return render_template("alerts/signup.html", form=form, trial=None), 422
    if form.website.data:  # a bot: the same page a person would see, and nothing stored or sent
        return redirect(url_for("alerts.check_inbox"))
    with unit_of_work() as uow:
        row = services.request_subscription(db.session, form.email.data, form.preferences())
        uow.dispatch([(row.id, delivery_key(0, None))])
    return redirect(url_for("alerts.check_inbox"))


@bp.get("/check-your-inbox")
def check_inbox() -> str:
    return render_template("alerts/check_inbox.html")


def _subscriber_from_confirm(token: str) -> Subscriber:
    subscriber_id, nonce = read_confirm_token(token)
    subscriber = services.find_subscriber(db.session, subscriber_id, nonce)
    if subscriber is None:
        raise BadLink("no such subscriber")
    return subscriber


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> str | tuple[str, int]:
    """GET shows a button and changes nothing (mail scanners open links); only the POST confirms."""
    if request.method == "GET":
        try:
            subscriber = _subscriber_from_confirm(token)
        except ExpiredLink:
            return _bad_link(expired=True)
        except BadLink:
            return _bad_link()
        return render_template("alerts/confirm.html", subscriber=subscriber, token=token)
    try:
        with unit_of_work():
            subscriber = _subscriber_from_confirm(token)
            services.confirm(db.session, subscriber)
    except ExpiredLink:
        return _bad_link(expired=True)
    except BadLink:
        return _bad_link()
    return render_template("alerts/confirmed.html", subscriber=subscriber, manage_url=services.manage_url(subscriber))


def _subscriber_from_manage(token: str) -> Subscriber:
    subscriber_id, nonce = read_manage_token(token)
    subscriber = services.find_subscriber(db.session, subscriber_id, nonce)
    if subscriber is None:
        raise BadLink("no such subscriber")
    return subscriber


def _recent_alerts(subscriber: Subscriber) -> list[tuple[str, str]]:
    """The trials we have told this subscriber about, newest first (emails list at most a few)."""
    query = (
        select(Trial.nct_id, Trial.brief_title)
        .join(TrialAlert, TrialAlert.trial_id == Trial.id)
        .where(TrialAlert.subscriber_id == subscriber.id)
        .order_by(TrialAlert.created_at.desc(), Trial.nct_id)
        .limit(50)
    )
    return list(db.session.execute(query).tuples())


@bp.route("/manage/<token>", methods=["GET", "POST"])
def manage(token: str) -> str | tuple[str, int]:
    saved = False
    try:
        if request.method == "GET":
            subscriber = _subscriber_from_manage(token)
        else:
            with unit_of_work() as uow:
                subscriber = _subscriber_from_manage(token)
                form = ManageForm()
                if not form.validate():
                    uow.rollback()
                    return render_template(
                        "alerts/manage.html", form=form, subscriber=subscriber, token=token, alerts=[], saved=False
                    ), 422
                services.apply_preferences(subscriber, form.preferences())
            saved = True
    except BadLink:
        return _bad_link()
    form = ManageForm(formdata=None, data=services.preferences_of(subscriber))
    return render_template(
        "alerts/manage.html",
        form=form,
        subscriber=subscriber,
        token=token,
        alerts=_recent_alerts(subscriber),
        saved=saved,
    )


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> str | tuple[str, int]:
    """A page with a button. Changes nothing: link checkers and previews open every link."""
    try:
        subscriber_id, nonce = read_manage_token(token)
    except BadLink:
        return _bad_link()
    subscribed = services.find_subscriber(db.session, subscriber_id, nonce) is not None
    return render_template("alerts/unsubscribe.html", token=token, subscribed=subscribed)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058: mail providers POST here with no cookie and no form token; the signed link is the proof
def unsubscribe(token: str) -> tuple[str, int]:
    try:
        subscriber_id, nonce = read_manage_token(token)
    except BadLink:
        return _bad_link()
    with unit_of_work():
        services.unsubscribe(db.session, subscriber_id, nonce)
    return render_template("alerts/unsubscribed.html"), 200


@bp.get("/conditions")
@limiter.limit("60 per minute")
def condition_suggestions() -> Response:
    query = " ".join((request.args.get("q") or "").split())[:100]
    response = jsonify(conditions=known_conditions(db.session, query) if len(query) >= 2 else [])
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
