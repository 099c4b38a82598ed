"""Routes: find the nearest site and send a contact request (POST), then the confirmation (GET)."""

from __future__ import annotations

import hashlib
import time

from email_validator import EmailNotValidError
from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from portal.contact.forms import ContactForm
from portal.contact.panel import ContactPanel, default_contact_panel, preselected_site
from portal.contact.services import (
    ContactError,
    PatientDetails,
    accepts_contact,
    find_site,
    request_for_confirmation,
    site_choices,
    submit_contact_request,
)
from portal.contact.wording import delivery_wording
from portal.database import unit_of_work
from portal.edge import database_unavailable
from portal.extensions import db, limiter
from portal.forms import did_you_mean_place
from portal.geo import Place, PlaceLookup, country_code, look_up_place
from portal.i18n import current_locale
from portal.models import Site, Trial
from portal.trials.page import register_contact_section, render_trial_page
from portal.trials.self_check import SelfCheckError, attached_answers, read_answers_json, self_check_for
from portal.trials.services import get_trial
from portal.trials.sites import SiteRow, site_rows
from portal.validation import normalised_email
from portal.vocabulary import RECRUITING

bp = Blueprint("contact", __name__)
# Every trial page carries the contact form: the trials feature asks for it through this registration.
bp.record_once(lambda state: register_contact_section(state.app, default_contact_panel))

SENT_KEY = "contact_sent"
CONFIRMATION_SECONDS = 30 * 60


def _ip_limit() -> str:
    return current_app.config["CONTACT_RATE_LIMIT_IP"]


def _choose_limit() -> str:
    return current_app.config["CONTACT_CHOOSE_RATE_LIMIT_IP"]


def _recipient_limit() -> str:
    return current_app.config["CONTACT_RATE_LIMIT_EMAIL"]


def _recipient_key() -> str:
    """Limits mail to one address however many IPs send it (the patient copy goes to whatever is typed).

    Keyed on a hash of the normalised address, so look-alike spellings count together and no address is stored.
    """
    typed = (request.form.get("email") or "").strip()[:254]
    try:
        address = normalised_email(typed)
    except EmailNotValidError:
        address = typed
    return "contact-email:" + hashlib.sha256(address.casefold().encode()).hexdigest()


def _browser_place(form: ContactForm) -> Place | None:
    try:
        lat, lon = float(form.latitude.data or ""), float(form.longitude.data or "")
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Place(lat, lon, gettext("your location"), "")


def _phone_region(site: Site | None, sites: list[SiteRow]) -> str | None:
    """Where a national phone number is read from: the chosen site's country, else the one all recruiting sites share.

    Without a site chosen the form comes back anyway; a number typed the local way should not get an error too.
    """
    if site is not None:
        return country_code(site.country)
    countries = {other.country for other in sites if other.status == RECRUITING}
    return country_code(countries.pop()) if len(countries) == 1 else None


def _trial_or_404(nct_id: str) -> Trial:
    trial = get_trial(db.session, nct_id.strip().upper())
    if trial is None:
        abort(404)
    return trial


def _page(trial: Trial, panel: ContactPanel, status: int, sites: list[SiteRow]) -> tuple[str, int]:
    return render_trial_page(db.session, trial, panel, sites=sites), status


@bp.get("/trials/<nct_id>/contact")
@limiter.limit(_choose_limit)
def choose(nct_id: str) -> Response | tuple[str, int]:
    """The trial page with one site already chosen in the contact form: where a region's page's "Contact this
    site" leads (a big trial's select offers only the first few sites). Not cached: few people come this way."""
    trial = _trial_or_404(nct_id)
    sites = site_rows(db.session, trial.id)
    if not accepts_contact(trial, sites):
        return redirect(url_for("trials.detail", nct_id=trial.nct_id))
    site = find_site(db.session, trial, request.args.get("site"))
    if site is None or site.status != RECRUITING:
        return redirect(url_for("trials.detail", nct_id=trial.nct_id, _anchor="contact"))
    form = ContactForm(formdata=None, meta={"csrf": False})
    panel = ContactPanel(form, site_choices(sites, None), generate_csrf(), selected=str(site.id))
    html, status = _page(trial, panel, 200, sites)
    response = make_response(html, status)
    # The page holds this visitor's form token; the trial page itself is the one to index.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.post("/trials/<nct_id>/contact")
@limiter.limit(_ip_limit)
@limiter.limit(_recipient_limit, key_func=_recipient_key, deduct_when=lambda response: response.status_code == 302)
def submit(nct_id: str) -> Response | tuple[str, int]:
    trial = _trial_or_404(nct_id)
    sites = site_rows(db.session, trial.id)
    if not accepts_contact(trial, sites):
        abort(404)
    site = find_site(db.session, trial, request.form.get("site"))
    form = ContactForm(phone_region=_phone_region(site, sites))
    lookup: PlaceLookup | None = None
    place = _browser_place(form)
    if place is None:
        lookup = look_up_place(form.place.data)
        place = lookup.place
    choices = site_choices(sites, place)
    panel = ContactPanel(form, choices, generate_csrf(), place.label if place else None, place_lookup=lookup)
    chosen = str(site.id) if site else None

    if request.form.get("action") == "locate":
        form.latitude.data = form.longitude.data = ""
        if lookup is not None and lookup.suggestion is not None:
            form.place.errors = [did_you_mean_place(lookup.suggestion.label)]
        elif form.place.data and place is None:
            form.place.errors = [gettext("We could not find that place. Try a 5-digit US ZIP code or a city name.")]
        # With a place, the nearest site (when any has a distance); without one, what the patient chose.
        panel.selected = (preselected_site(choices) or chosen) if place else (chosen or preselected_site(choices))
        return _page(trial, panel, 200, sites)

    panel.selected = chosen
    valid = form.validate_on_submit()
    if form.website.data:
        abort(400)  # the honeypot: nothing is stored or sent
    if not request.form.get("site"):
        form.site.errors = [gettext("Please choose a study site.")]
        valid = False
    elif site is None or site.status != RECRUITING:
        form.site.errors = [gettext("Please choose a study site that is recruiting.")]
        valid = False
    attached = None
    if form.attach_self_check.data:
        attached = _self_check_answers(trial, form)
        if not attached:
            form.attach_self_check.errors = [
                gettext(
                    'There are no answers to send yet. Answer the questions in "Could this study fit me?", or untick'
                    " this box."
                )
            ]
            valid = False
    if not valid:
        return _page(trial, panel, 422, sites)
    assert site is not None and form.phone_e164 is not None
    details = PatientDetails(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        phone=form.phone_e164,
        language=form.language.data or None,
        message=(form.message.data or "").strip() or None,
        self_check=attached,
        ui_locale=current_locale(),
    )
    with unit_of_work() as uow:  # from here this request writes; on SQLite take the write lock before reading again
        try:
            submission = submit_contact_request(db.session, trial, site, details)
        except ContactError:
            uow.rollback()
            form.site.errors = [gettext("Please choose a study site that is recruiting.")]
            return _page(trial, panel, 422, sites)
        uow.dispatch(submission.outbox_rows)
    # Stored before we say "sent"; the emails are on their way.
    session[SENT_KEY] = {"id": submission.request.public_id, "at": int(time.time())}
    return redirect(url_for("contact.sent", nct_id=trial.nct_id))


def _self_check_answers(trial: Trial, form: ContactForm) -> list[dict[str, str]]:
    """The answers to attach, read strictly: anything our pages cannot have sent is refused (400), stores nothing."""
    text = (form.self_check.data or "").strip()
    check = self_check_for(trial)
    if not text or text == "{}":
        return []
    if check is None:
        abort(400)
    try:
        answers = read_answers_json(check, text)
    except SelfCheckError:
        abort(400)
    return attached_answers(check, answers)


@bp.errorhandler(CSRFError)
def form_expired_page(error: CSRFError) -> tuple[str, int]:
    """A form sent with a missing or stale token: show it again with the values kept and a fresh token."""
    try:
        return _form_expired_page(error)
    except SQLAlchemyError as exc:  # an error handler's own exception would become a 500
        db.session.rollback()
        return database_unavailable(exc)  # type: ignore[return-value]


def _form_expired_page(error: CSRFError) -> tuple[str, int]:
    trial = get_trial(db.session, (request.view_args or {}).get("nct_id", "").strip().upper())
    sites = site_rows(db.session, trial.id) if trial else []
    if trial is None or not accepts_contact(trial, sites):
        return render_template("errors/error.html", error=error, code=400), 400
    form = ContactForm(meta={"csrf": False})
    form.consent.data = False  # consent is given again, on a form we know was ours
    form.attach_self_check.data = False
    site = find_site(db.session, trial, request.form.get("site"))
    choices = site_choices(sites, None)
    panel = ContactPanel(form, choices, generate_csrf(), selected=str(site.id) if site else preselected_site(choices))
    form.site.errors = [
        gettext("This form was open too long or came from elsewhere. Please check it and send it again.")
    ]
    return _page(trial, panel, 400, sites)


@bp.get("/trials/<nct_id>/contact/sent")
def sent(nct_id: str) -> Response | str:
    trial = _trial_or_404(nct_id)
    sent_info = session.get(SENT_KEY)
    fresh = isinstance(sent_info, dict) and time.time() - sent_info.get("at", 0) < CONFIRMATION_SECONDS
    # Shown for a while only: on a shared computer the next person should not see this patient's details.
    contact_request = request_for_confirmation(db.session, trial, sent_info["id"] if fresh else None)
    if contact_request is None:
        return redirect(url_for("trials.detail", nct_id=trial.nct_id))
    return render_template(
        "contact/sent.html", trial=trial, contact=contact_request, delivery=delivery_wording(contact_request)
    )
