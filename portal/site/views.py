"""Routes of the site team area. Each one reaches requests only through the scoped queries in services."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta, gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from portal.database import unit_of_work
from portal.extensions import db
from portal.i18n import current_locale
from portal.models import ContactRequest, Site
from portal.models.base import utcnow
from portal.models.user import User
from portal.site import audit
from portal.site.export import requests_csv
from portal.site.forms import PHONE_OUTCOME_LABELS, STATUS_LABELS, FilterForm, FirstResponseForm, NoteForm, StatusForm
from portal.site.services import (
    RequestActionError,
    RequestFilters,
    add_note,
    filters_allowed,
    get_request,
    history,
    list_requests,
    needs_attention,
    record_first_response,
    request_zone,
    response_time,
    set_status,
    user_sites,
)
from portal.trials.presenters import zone_label
from portal.validation import parse_whole
from portal.vocabulary import LANGUAGES, language_name_in, preferred_language_name

bp = Blueprint("site", __name__, url_prefix="/site")
LIST_LIMIT = 500  # rows on the page; the CSV has them all


@bp.before_request
@login_required
def require_sign_in() -> None:
    """Every page here is for signed-in staff; anonymous visitors are sent to sign in and brought back."""


@bp.after_request
def no_store(response: WerkzeugResponse) -> WerkzeugResponse:
    # Patient details: never kept by a shared browser's cache or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def helpers() -> dict[str, object]:
    return {
        "format_timedelta": format_timedelta,
        "preferred_language": lambda contact: preferred_language_name(
            contact.language, contact.ui_locale, current_locale()
        ),
    }


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _filters(form: FilterForm) -> RequestFilters:
    site = form.site.data or ""
    site_id = parse_whole(site, 1)
    if site and site_id is None:
        abort(404)
    return RequestFilters(
        status=form.status.data or None,
        nct_id=(form.trial.data or "").strip().upper() or None,
        site_id=site_id,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        language=form.language.data or None,
    )


def _filter_form(user: User) -> tuple[FilterForm, list[Site], bool]:
    sites = user_sites(db.session, user)
    form = FilterForm(request.args)
    trials = sorted({(s.trial.nct_id, f"{s.trial.nct_id}: {s.trial.brief_title}") for s in sites})
    form.trial.choices = [SelectChoice("", gettext("Any trial"))] + [SelectChoice(v, label) for v, label in trials]
    form.site.choices = [SelectChoice("", gettext("Any site"))] + [
        SelectChoice(str(s.id), ", ".join(p for p in (s.facility, s.city) if p)) for s in sites
    ]
    form.language.choices = [SelectChoice("", gettext("Any language"))] + [
        SelectChoice(code, language_name_in(code, current_locale())) for code, _name in LANGUAGES
    ]
    valid = form.validate() if request.args else True
    return form, sites, valid


@bp.get("/")
def index() -> tuple[str, int] | str:
    user = _user()
    form, sites, valid = _filter_form(user)
    if not valid:
        return render_template(
            "site/index.html", form=form, requests=[], sites=sites, query="", list_limit=LIST_LIMIT
        ), 400
    filters = _filters(form)
    if not filters_allowed(db.session, user, filters):
        abort(404)
    requests = list_requests(db.session, user, filters, limit=LIST_LIMIT)
    now = utcnow()
    return render_template(
        "site/index.html",
        form=form,
        sites=sites,
        requests=requests,
        now=now,
        needs_attention=needs_attention,
        status_labels=STATUS_LABELS,
        query=request.query_string.decode(),
        list_limit=LIST_LIMIT,
    )


@bp.get("/export.csv")
def export() -> Response:
    user = _user()
    form, _sites, valid = _filter_form(user)
    if not valid:
        abort(400)
    filters = _filters(form)
    if not filters_allowed(db.session, user, filters):
        abort(404)
    with unit_of_work():  # the export and its audit entry, or neither
        requests = list_requests(db.session, user, filters, limit=None)
        body = requests_csv(requests)
        audit.record(db.session, user, audit.EXPORTED, [r.id for r in requests], f"{len(requests)} rows")
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="contact-requests-{stamp}.csv"'},
    )


def _request_or_404(public_id: str) -> ContactRequest:
    contact = get_request(db.session, _user(), public_id)
    if contact is None:
        abort(404)
    return contact


def _detail_page(
    contact: ContactRequest,
    status: int = 200,
    status_form: StatusForm | None = None,
    note_form: NoteForm | None = None,
    response_form: FirstResponseForm | None = None,
) -> tuple[str, int]:
    zone = request_zone(contact)
    if response_form is None:
        response_form = FirstResponseForm()
        moment = (contact.first_response_at or utcnow()).astimezone(zone)
        response_form.responded_at.data = moment.replace(tzinfo=None, second=0, microsecond=0)
    response_form.responded_at.label.text = gettext(
        "When the team first reached the person (%(zone)s time)", zone=zone_label(zone)
    )
    return render_template(
        "site/request.html",
        contact=contact,
        events=history(db.session, contact),
        status_form=status_form or StatusForm(status=contact.status),
        note_form=note_form or NoteForm(),
        response_form=response_form,
        status_labels=STATUS_LABELS,
        phone_outcome_labels=PHONE_OUTCOME_LABELS,
        language_name=preferred_language_name(contact.language, contact.ui_locale, current_locale()),
        response_time=response_time(contact),
        overdue=needs_attention(contact),
    ), status


@bp.get("/requests/<public_id>")
def request_page(public_id: str) -> tuple[str, int]:
    with unit_of_work():
        contact = _request_or_404(public_id)
        audit.record(db.session, _user(), audit.VIEWED, [contact.id])
    return _detail_page(contact)


@bp.post("/requests/<public_id>/status")
def change_status(public_id: str) -> WerkzeugResponse | tuple[str, int]:
    with unit_of_work() as uow:
        contact = _request_or_404(public_id)
        form = StatusForm()
        if not form.validate_on_submit():
            uow.rollback()
            return _detail_page(contact, 422, status_form=form)
        changed = set_status(db.session, _user(), contact, form.status.data)
    if changed:
        flash(gettext("Status changed to %(status)s.", status=STATUS_LABELS[form.status.data]))
    return redirect(url_for("site.request_page", public_id=public_id))


@bp.post("/requests/<public_id>/notes")
def note(public_id: str) -> WerkzeugResponse | tuple[str, int]:
    with unit_of_work() as uow:
        contact = _request_or_404(public_id)
        form = NoteForm()
        if not form.validate_on_submit():
            uow.rollback()
            return _detail_page(contact, 422, note_form=form)
        add_note(db.session, _user(), contact, form.note.data)
    flash(gettext("Note added."))
    return redirect(url_for("site.request_page", public_id=public_id))


@bp.post("/requests/<public_id>/first-response")
def first_response(public_id: str) -> WerkzeugResponse | tuple[str, int]:
    with unit_of_work() as uow:
        contact = _request_or_404(public_id)
        form = FirstResponseForm()
        if not form.validate_on_submit():
            uow.rollback()
            return _detail_page(contact, 422, response_form=form)
        try:
            # Typed as the site's clock reads; stored in UTC.
            at = form.responded_at.data.replace(tzinfo=request_zone(contact)).astimezone(UTC)
            record_first_response(db.session, _user(), contact, at)
        except RequestActionError:
            uow.rollback()
            form.responded_at.errors = [gettext("Please give a time between the request's arrival and now.")]
            return _detail_page(contact, 422, response_form=form)
    flash(gettext("First response recorded."))
    return redirect(url_for("site.request_page", public_id=public_id))
