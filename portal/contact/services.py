"""Contact requests: which sites a patient can choose, who receives the request, and writing it safely."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.contact.forms import CONSENT_VERSION
from portal.contact.status import new_status_nonce, status_url
from portal.contact.wording import delivery_wording, site_email_reason
from portal.geo import Place, country_code, great_circle_km, rounded_distance, uses_miles
from portal.mail.outbox import add_email, delivery_key
from portal.mail.rendering import RenderedEmail, render_email
from portal.models import ContactRequest, Site, SiteRecipientOverride, Trial, UndeliverableAddress
from portal.models.base import utcnow
from portal.models.contact import (
    PHONE_BOUNCED,
    PHONE_NO_EMAIL,
    RECIPIENT_CENTRAL_CONTACT,
    RECIPIENT_INVESTIGATOR,
    RECIPIENT_OVERRIDE,
    RECIPIENT_PORTAL_TEAM,
    RECIPIENT_SITE_CONTACT,
)
from portal.trials.sites import SiteFacts
from portal.urls import external_url
from portal.validation import normalised_email, parse_whole
from portal.vocabulary import LANGUAGE_NAMES, OPEN_STATUSES, RECRUITING, preferred_language_name

DUPLICATE_WINDOW = timedelta(hours=24)
# The language of the study sites' emails and pages (US sites).
SITE_LOCALE = "en"


class ContactError(ValueError):
    """A request that cannot be accepted as it stands (a site that is not recruiting, say)."""


@dataclass(frozen=True)
class SiteChoice:
    site: SiteFacts
    distance_km: float | None

    @property
    def selectable(self) -> bool:
        return self.site.status == RECRUITING

    @property
    def distance(self) -> tuple[int, str] | None:
        """(number, unit) rounded for people: miles where the site's country uses them, else km."""
        if self.distance_km is None:
            return None
        unit = "mi" if uses_miles(self.site.country) else "km"
        return rounded_distance(self.distance_km, unit), unit


def site_choices(sites: Sequence[SiteFacts], place: Place | None) -> list[SiteChoice]:
    """Recruiting sites first, nearest first when we know where the patient is; sites without coordinates last."""

    def distance(site: Site) -> float | None:
        if place is None or site.latitude is None or site.longitude is None:
            return None
        return great_circle_km(place.latitude, place.longitude, site.latitude, site.longitude)

    choices = [SiteChoice(site, distance(site)) for site in sites]

    def order(choice: SiteChoice) -> tuple[bool, bool, float, str, str]:
        site = choice.site
        return (
            not choice.selectable,
            choice.distance_km is None,
            choice.distance_km or 0.0,
            (site.facility or "").casefold(),
            (site.city or "").casefold(),
        )

    return sorted(choices, key=order)


def accepts_contact(trial: Trial, sites: Sequence[SiteFacts]) -> bool:
    """Open to contact requests: the trial itself is open and at least one of its sites is recruiting."""
    return trial.overall_status in OPEN_STATUSES and any(site.status == RECRUITING for site in sites)


def _valid_address(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return normalised_email(text)
    except EmailNotValidError:
        return None


@dataclass(frozen=True)
class Recipients:
    addresses: list[str]
    kind: str  # one of portal.models.contact's RECIPIENT_* kinds
    # Why the portal team phones the site (PHONE_NO_EMAIL or PHONE_BOUNCED); None when the request is emailed.
    phone_reason: str | None = None

    @property
    def needs_phone_call(self) -> bool:
        """Nobody at the trial has an address we can reach: the portal team phones the site."""
        return self.kind == RECIPIENT_PORTAL_TEAM


def undeliverable_for(session: Session, site: Site) -> set[str]:
    """The addresses that refused this site's requests for good (lower case)."""
    rows = session.scalars(select(UndeliverableAddress.email).where(UndeliverableAddress.site_id == site.id))
    return {email.lower() for email in rows}


def recipients_for(session: Session, trial: Trial, site: Site) -> Recipients:
    """Who receives a request for this site, chosen by the server, and in what role.

    The first address the site's record (or an operator) gives wins. When that address has refused our email for
    good, the request goes to the portal team to phone the site, until an operator sets the recipients again:
    falling through to another contact would hide from the patient and the operators that the site is unreachable.
    """
    portal_team = [current_app.config["PORTAL_TEAM_EMAIL"]]
    refused = undeliverable_for(session, site)

    def chosen(addresses: list[str], kind: str) -> Recipients:
        reachable = [address for address in addresses if address.lower() not in refused]
        if reachable:
            return Recipients(reachable, kind)
        return Recipients(portal_team, RECIPIENT_PORTAL_TEAM, PHONE_BOUNCED)

    override = session.scalar(select(SiteRecipientOverride).where(SiteRecipientOverride.site_id == site.id))
    if override and override.emails:
        return chosen(list(override.emails), RECIPIENT_OVERRIDE)
    for role, kind in (("CONTACT", RECIPIENT_SITE_CONTACT), ("PRINCIPAL_INVESTIGATOR", RECIPIENT_INVESTIGATOR)):
        for contact in site.contacts:
            if contact.get("role") == role and (address := _valid_address(contact.get("email"))):
                return chosen([address], kind)
    for contact in trial.central_contacts:
        if address := _valid_address(contact.get("email")):
            return chosen([address], RECIPIENT_CENTRAL_CONTACT)
    return Recipients(portal_team, RECIPIENT_PORTAL_TEAM, PHONE_NO_EMAIL)


@dataclass(frozen=True)
class PatientDetails:
    first_name: str
    last_name: str
    email: str
    phone: str
    language: str | None
    message: str | None
    # The self-check answers the patient chose to attach (portal.trials.self_check.attached_answers), else None.
    self_check: list[dict[str, str]] | None = None
    # The portal's language they used: their own copy is written in it.
    ui_locale: str = "en"


@dataclass(frozen=True)
class Submission:
    request: ContactRequest
    created: bool
    outbox_rows: list[tuple[int, str]]


def recent_duplicate(
    session: Session, trial: Trial, site: Site, details: PatientDetails, now: datetime
) -> ContactRequest | None:
    """The same person asking the same site again within a day, with the same details: nothing new to send.

    A resubmission with other details (a corrected phone number, say) is a new request.
    """
    earlier = session.scalars(
        select(ContactRequest).where(
            ContactRequest.trial_id == trial.id,
            ContactRequest.site_id == site.id,
            func.lower(ContactRequest.email) == details.email.lower(),
            ContactRequest.created_at >= now - DUPLICATE_WINDOW,
        )
    )
    same = (details.first_name, details.last_name, details.phone, details.language, details.message)
    for request in earlier:
        if (request.first_name, request.last_name, request.phone, request.language, request.message) == same and (
            request.self_check_answers or None
        ) == (details.self_check or None):
            return request
    return None


def submit_contact_request(
    session: Session, trial: Trial, site: Site, details: PatientDetails, now: datetime | None = None
) -> Submission:
    """Store the request and its two emails in the caller's transaction (flushed, not committed)."""
    now = now or utcnow()
    if site.trial_id != trial.id:
        raise ContactError("that site does not belong to this trial")
    if site.status != RECRUITING or trial.overall_status not in OPEN_STATUSES:
        raise ContactError("that site is not recruiting")
    # Serialise requests for one site, so a double click cannot slip past the duplicate check
    # (PostgreSQL row lock; SQLite writers are serialised by BEGIN IMMEDIATE).
    session.execute(select(Site.id).where(Site.id == site.id).with_for_update())
    existing = recent_duplicate(session, trial, site, details, now)
    if existing is not None:
        return Submission(existing, False, [])
    recipients = recipients_for(session, trial, site)
    request = ContactRequest(
        public_id=secrets.token_urlsafe(16),
        trial_id=trial.id,
        site_id=site.id,
        facility_name=site.facility or trial.brief_title,
        first_name=details.first_name,
        last_name=details.last_name,
        email=details.email,
        phone=details.phone,
        language=details.language,
        ui_locale=details.ui_locale,
        message=details.message,
        consent_at=now,
        consent_version=CONSENT_VERSION,
        status="new",
        recipients=recipients.addresses,
        needs_phone_call=recipients.needs_phone_call,
        recipient_kind=recipients.kind,
        phone_reason=recipients.phone_reason,
        status_nonce=new_status_nonce(),
        created_at=now,
        updated_at=now,
    )
    if details.self_check:  # left out otherwise: the column stays NULL, not a JSON null
        request.self_check_answers = details.self_check
    session.add(request)
    session.flush()
    context = {
        "contact": request,
        "trial": trial,
        "site": site,
        "language_name": LANGUAGE_NAMES.get(details.language or ""),
        "preferred_language": preferred_language_name(request.language, request.ui_locale),
        "trial_url": external_url("trials.detail", nct_id=trial.nct_id),
        # The portal team works a phone request from the admin area; a site's team from its own.
        "request_url": external_url(
            "admin.phone_request" if recipients.needs_phone_call else "site.request_page", public_id=request.public_id
        ),
        "status_url": status_url(request),
        "portal_name": current_app.config["PORTAL_NAME"],
        "portal_team_email": current_app.config["PORTAL_TEAM_EMAIL"],
        "needs_phone_call": recipients.needs_phone_call,
        "recipient_kind": recipients.kind,
        "phone_reason": recipients.phone_reason,
        # The site's team reads the patient's number as dialled from the site's country.
        "site_region": country_code(site.country),
    }
    to_site = add_email(
        session,
        kind="contact_site",
        recipients=recipients.addresses,
        email=render_site_email(context),
        reply_to=details.email,
        contact_request_id=request.id,
    )
    to_patient = add_email(
        session,
        kind="contact_patient",
        recipients=[details.email],
        email=render_patient_email(details.ui_locale, context),
        reply_to=current_app.config["PORTAL_TEAM_EMAIL"],
        contact_request_id=request.id,
    )
    session.flush()
    return Submission(request, True, [(to_site.id, delivery_key(0, None)), (to_patient.id, delivery_key(0, None))])


def render_site_email(context: dict[str, Any]) -> RenderedEmail:
    """The study team's email is in the site's language, English, whatever the patient read the portal in."""
    request: ContactRequest = context["contact"]
    with force_locale(SITE_LOCALE):
        reason = site_email_reason(request, context["trial"].nct_id, current_app.config["PORTAL_NAME"])
        return render_email("contact_site", **context, delivery=delivery_wording(request), reason=reason)


def render_patient_email(ui_locale: str, context: dict[str, Any]) -> RenderedEmail:
    with force_locale(ui_locale):
        return render_email("contact_patient", **context, delivery=delivery_wording(context["contact"]))


def find_site(session: Session, trial: Trial, site_id: str | None) -> Site | None:
    """A site of this trial by id; another trial's site id finds nothing."""
    number = parse_whole(site_id, 1)
    if number is None:
        return None
    return session.scalar(select(Site).where(Site.id == number, Site.trial_id == trial.id))


def request_for_confirmation(session: Session, trial: Trial, public_id: str | None) -> ContactRequest | None:
    if not public_id:
        return None
    return session.scalar(
        select(ContactRequest).where(ContactRequest.public_id == public_id, ContactRequest.trial_id == trial.id)
    )


def set_site_recipients(
    session: Session, nct_id: str, facility: str, emails: list[str], city: str | None = None
) -> Site:
    """Operator override of one site's recipients. The facility (and city, where names repeat) must name one site."""
    addresses = []
    for text in emails:
        address = _valid_address(text)
        if address is None:
            raise ContactError(f"{text!r} is not a valid email address")
        addresses.append(address)
    trial = session.scalar(select(Trial).where(Trial.nct_id == nct_id.strip().upper()))
    if trial is None:
        raise ContactError(f"no trial {nct_id} has been imported")
    sites = [s for s in trial.sites if (s.facility or "").casefold() == facility.strip().casefold()]
    if city:
        sites = [s for s in sites if (s.city or "").casefold() == city.strip().casefold()]
    if not sites:
        raise ContactError(f"trial {trial.nct_id} has no site called {facility!r}" + (f" in {city}" if city else ""))
    if len(sites) > 1:
        places = ", ".join(sorted({s.city or "?" for s in sites}))
        raise ContactError(f"{len(sites)} sites are called {facility!r} ({places}): say which with --city")
    site = sites[0]
    replace_site_recipients(session, site, addresses)
    return site


def replace_site_recipients(session: Session, site: Site, addresses: list[str]) -> None:
    """Who receives this site's requests from now on; no addresses removes the override. Flushes.

    Setting the recipients is the operator's fix for a site whose address refused our email: the site's
    undeliverable marks go, and its next request is emailed again.
    """
    session.execute(delete(UndeliverableAddress).where(UndeliverableAddress.site_id == site.id))
    override = session.scalar(select(SiteRecipientOverride).where(SiteRecipientOverride.site_id == site.id))
    if not addresses:
        if override is not None:
            session.delete(override)
    elif override is None:
        session.add(SiteRecipientOverride(site_id=site.id, emails=addresses))
    else:
        override.emails = addresses
    session.flush()
