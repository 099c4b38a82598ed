"""The patient's status link and what its page says: where the request went and how far the site got, in plain words.

The link never expires (the patient may come back weeks later). It carries a per-request nonce, signed with
itsdangerous, not the request's id: a copy of the link opens this one request and nothing else.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.i18n import LANG_PARAMETER, tag
from portal.models import ContactRequest, OutboxEmail
from portal.models.contact import (
    RECIPIENT_CENTRAL_CONTACT,
    RECIPIENT_INVESTIGATOR,
    RECIPIENT_OVERRIDE,
    RECIPIENT_PORTAL_TEAM,
    RECIPIENT_SITE_CONTACT,
)
from portal.text import decode_entities
from portal.urls import external_url

STATUS_SALT = "contact-request-status"
MAX_TOKEN = 200

# The site's progress as the patient reads it; the team's own statuses and notes stay with the team.
RECEIVED, TRIED_TO_REACH, SCREENING_BOOKED, CLOSED = "received", "tried", "booked", "closed"
STAGES = (RECEIVED, TRIED_TO_REACH, SCREENING_BOOKED, CLOSED)
_STAGE_OF_STATUS = {
    "new": RECEIVED,
    "contacted": TRIED_TO_REACH,
    "pre-screening": TRIED_TO_REACH,
    "unreachable": TRIED_TO_REACH,
    "scheduled": SCREENING_BOOKED,
    "enrolled": CLOSED,
    "not eligible": CLOSED,
    "withdrawn": CLOSED,
}


def new_status_nonce() -> str:
    return secrets.token_hex(16)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=STATUS_SALT)


def status_token(contact: ContactRequest) -> str | None:
    """The token of the request's status link; None for a request stored before status links existed."""
    return _serializer().dumps(contact.status_nonce) if contact.status_nonce else None


def status_url(contact: ContactRequest) -> str | None:
    """The status link for the patient's emails, in the language they used on the portal (a language in the link
    wins over the browser's, so the page reads as their emails do)."""
    token = status_token(contact)
    if token is None:
        return None
    locale = contact.ui_locale or "en"
    if locale == "en":
        return external_url("requests.status_page", token=token)
    return external_url("requests.status_page", token=token, **{LANG_PARAMETER: tag(locale)})


def read_status_token(token: str) -> str | None:
    """The nonce a genuine token carries; None for anything altered, cut short or made with another key."""
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        nonce = _serializer().loads(token)
    except BadSignature:
        return None
    return nonce if isinstance(nonce, str) and nonce else None


def request_for_status(session: Session, nonce: str) -> ContactRequest | None:
    return session.scalar(select(ContactRequest).where(ContactRequest.status_nonce == nonce))


def stage_labels() -> dict[str, str]:
    return {
        RECEIVED: gettext("Received"),
        TRIED_TO_REACH: gettext("The team has tried to reach you"),
        SCREENING_BOOKED: gettext("Screening booked"),
        CLOSED: gettext("Closed"),
    }


def progress_stage(contact: ContactRequest) -> str:
    stage = _STAGE_OF_STATUS.get(contact.status, RECEIVED)
    if stage == RECEIVED and contact.first_response_at is not None:
        return TRIED_TO_REACH
    return stage


@dataclass(frozen=True)
class StatusView:
    contact: ContactRequest
    sent_at: datetime
    passed_on: str
    stage: str


def _delivered_at(session: Session, contact: ContactRequest) -> datetime | None:
    """When the mail server accepted the request's email to its recipients, if it has."""
    return session.scalar(
        select(OutboxEmail.sent_at).where(
            OutboxEmail.contact_request_id == contact.id,
            OutboxEmail.kind == "contact_site",
            OutboxEmail.sent_at.is_not(None),
        )
    )


def passed_on_wording(contact: ContactRequest, delivered: bool) -> str:
    """Whether the request has been passed on, and to whom: only what really happened to it."""
    facility = decode_entities(contact.facility_name)
    kind = contact.recipient_kind
    if kind == RECIPIENT_PORTAL_TEAM or contact.needs_phone_call:
        return gettext(
            "ClinicalTrials.gov lists no email address for %(facility)s, so the portal team will phone the study "
            "site and pass on your request.",
            facility=facility,
        )
    if contact.escalated_at is not None:
        return gettext(
            "We sent your request to %(facility)s, but nobody there has answered yet. So the portal team will phone "
            "the study site.",
            facility=facility,
        )
    if not delivered:
        return gettext("We are still sending your request. Please check again later.")
    if kind == RECIPIENT_CENTRAL_CONTACT:
        return gettext(
            "We sent your request to the main contact for the whole study, and asked them to pass it on to the team "
            "at %(facility)s. We cannot see whether they have done so yet.",
            facility=facility,
        )
    if kind == RECIPIENT_INVESTIGATOR:
        return gettext("We sent your request to the researcher who leads the study at %(facility)s.", facility=facility)
    if kind in (RECIPIENT_OVERRIDE, RECIPIENT_SITE_CONTACT):
        return gettext("We sent your request to the study team at %(facility)s.", facility=facility)
    return gettext("We passed your request on, for the study team at %(facility)s.", facility=facility)


def status_view(session: Session, contact: ContactRequest) -> StatusView:
    delivered = _delivered_at(session, contact) is not None
    return StatusView(contact, contact.created_at, passed_on_wording(contact, delivered), progress_stage(contact))
