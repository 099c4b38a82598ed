"""Admin routes of the phone queue: the requests the portal team passes on by phone, one request, a call's outcome."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.admin.blueprint import bp
from portal.admin.forms import PhoneOutcomeForm
from portal.admin.phone import QUEUE_LIMIT, phone_queue, queue_row, queue_size, record_phone_outcome
from portal.database import unit_of_work
from portal.extensions import db
from portal.i18n import current_locale
from portal.models import ContactRequest, User
from portal.site import audit
from portal.site.forms import PHONE_OUTCOME_LABELS, STATUS_LABELS
from portal.site.services import get_request, history
from portal.vocabulary import preferred_language_name


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _outcome_form(contact: ContactRequest) -> PhoneOutcomeForm:
    return PhoneOutcomeForm(prefix=f"call-{contact.id}")


def _queue_page(
    failed: PhoneOutcomeForm | None = None, failed_id: int | None = None, status: int = 200
) -> tuple[str, int]:
    rows = phone_queue(db.session)
    forms = {row.request.id: _outcome_form(row.request) for row in rows}
    if failed is not None and failed_id in forms:
        forms[failed_id] = failed
    return render_template(
        "admin/phone_queue.html",
        rows=rows,
        forms=forms,
        total=queue_size(db.session),
        limit=QUEUE_LIMIT,
        outcome_labels=PHONE_OUTCOME_LABELS,
    ), status


@bp.get("/requests/")
def phone_queue_page() -> tuple[str, int]:
    return _queue_page()


def _request_or_404(public_id: str) -> ContactRequest:
    contact = get_request(db.session, _me(), public_id)  # the site area's scoped query; an operator sees any
    if contact is None:
        abort(404)
    return contact


def _request_page(contact: ContactRequest, form: PhoneOutcomeForm | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "admin/phone_request.html",
        contact=contact,
        row=queue_row(contact),
        form=form or _outcome_form(contact),
        events=history(db.session, contact),
        outcome_labels=PHONE_OUTCOME_LABELS,
        status_labels=STATUS_LABELS,
        language_name=preferred_language_name(contact.language, contact.ui_locale, current_locale()),
    ), status


@bp.get("/requests/<public_id>")
def phone_request(public_id: str) -> tuple[str, int]:
    with unit_of_work():
        contact = _request_or_404(public_id)
        audit.record(db.session, _me(), audit.VIEWED, [contact.id])
    return _request_page(contact)


@bp.post("/requests/<public_id>/call")
def phone_outcome(public_id: str) -> Response | tuple[str, int]:
    back_to_request = request.args.get("from") == "request"
    with unit_of_work() as uow:
        contact = _request_or_404(public_id)
        form = _outcome_form(contact)
        if not form.validate_on_submit():
            uow.rollback()
            if back_to_request:
                return _request_page(contact, form, 422)
            return _queue_page(form, contact.id, 422)
        record_phone_outcome(db.session, _me(), contact, form.outcome.data, form.note.data)
    flash(
        gettext(
            "Call recorded for %(name)s: %(outcome)s.",
            name=" ".join((contact.first_name, contact.last_name)),
            outcome=PHONE_OUTCOME_LABELS[form.outcome.data],
        )
    )
    if back_to_request:
        return redirect(url_for("admin.phone_request", public_id=public_id))
    return redirect(url_for("admin.phone_queue_page"))
