"""What the patient is told about where their request went: only what really happened to it, in plain words."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext

from portal.models import ContactRequest
from portal.models.contact import (
    PHONE_BOUNCED,
    RECIPIENT_CENTRAL_CONTACT,
    RECIPIENT_INVESTIGATOR,
    RECIPIENT_OVERRIDE,
    RECIPIENT_PORTAL_TEAM,
    RECIPIENT_SITE_CONTACT,
)
from portal.text import decode_entities


@dataclass(frozen=True)
class DeliveryWording:
    """The confirmation page's heading, the patient's email subject, what we did and what happens next."""

    heading: str
    subject: str
    summary: str
    next_step: str


def delivery_wording(contact: ContactRequest) -> DeliveryWording:
    """Sentences for the confirmation and the patient's copy, by who received the request.

    Only an address the site itself (or an operator, for the site) gave means the site has the request. The
    trial's central contact is asked to pass it on; the portal team phones the site, and the contact_site email
    tells them to email the patient if they cannot reach it.
    """
    facility = decode_entities(contact.facility_name)
    kind = contact.recipient_kind
    if contact.phone_reason == PHONE_BOUNCED:
        # Whoever the request was meant for, their address refused it (at once, or when we sent it): we phone.
        return DeliveryWording(
            heading=gettext("We have your details"),
            subject=gettext("We will phone %(facility)s to pass on your request", facility=facility),
            summary=gettext(
                "Our emails to %(facility)s did not get through, so we could not send your details to the site. "
                "Our team will phone the site and pass on your details. We will email you if we cannot reach them.",
                facility=facility,
            ),
            next_step=gettext("Once the site has your details, someone from the study team will call or email you."),
        )
    if kind in (RECIPIENT_OVERRIDE, RECIPIENT_SITE_CONTACT, RECIPIENT_INVESTIGATOR):
        soon = gettext("Someone from the study team should call or email you.")
        if kind == RECIPIENT_INVESTIGATOR:
            return DeliveryWording(
                heading=gettext("Your details were sent"),
                subject=gettext("Your request was sent to the lead researcher at %(facility)s", facility=facility),
                summary=gettext(
                    "We sent your details to the researcher who leads the study at %(facility)s.", facility=facility
                ),
                next_step=soon,
            )
        return DeliveryWording(
            heading=gettext("Your details were sent"),
            subject=gettext("Your request was sent to the study team at %(facility)s", facility=facility),
            summary=gettext("We sent your details to the study team at %(facility)s.", facility=facility),
            next_step=soon,
        )
    if kind == RECIPIENT_CENTRAL_CONTACT:
        return DeliveryWording(
            heading=gettext("Your details were sent"),
            subject=gettext("Your request was sent to the main contact for the study"),
            summary=gettext(
                "ClinicalTrials.gov lists no email address for %(facility)s. So we sent your details to the main "
                "contact for the whole study, and asked them to pass your details on to the team at %(facility)s.",
                facility=facility,
            ),
            next_step=gettext("Someone from the study will call or email you, once your details have been passed on."),
        )
    if kind == RECIPIENT_PORTAL_TEAM:
        return DeliveryWording(
            heading=gettext("We have your details"),
            subject=gettext("We will phone %(facility)s to pass on your request", facility=facility),
            summary=gettext(
                "ClinicalTrials.gov lists no email address for %(facility)s, so we could not send your details "
                "to the site. Our team will phone the site and pass on your details. We will email you if we "
                "cannot reach them.",
                facility=facility,
            ),
            next_step=gettext("Once the site has your details, someone from the study team will call or email you."),
        )
    # Stored before we recorded who received it: say no more than that it was passed on.
    return DeliveryWording(
        heading=gettext("Your details were sent"),
        subject=gettext("Your request for %(facility)s was passed on", facility=facility),
        summary=gettext("We passed your details on, for the study team at %(facility)s.", facility=facility),
        next_step=gettext("Someone from the study team will call or email you."),
    )


def site_email_reason(contact: ContactRequest, nct_id: str, portal_name: str) -> str:
    """The footer of the email to the recipients: why this address got a patient's request, by how it was chosen."""
    facility = decode_entities(contact.facility_name)
    values = {"facility": facility, "nct_id": nct_id, "portal": portal_name}
    kind = contact.recipient_kind
    if kind == RECIPIENT_OVERRIDE:
        return gettext(
            "You are getting this email because the %(portal)s team set this address to receive contact requests "
            "for %(facility)s (%(nct_id)s), and a person asked through %(portal)s to hear from the study team there.",
            **values,
        )
    if kind == RECIPIENT_SITE_CONTACT:
        return gettext(
            "You are getting this email because ClinicalTrials.gov lists this address as the contact for "
            "%(facility)s in %(nct_id)s, and a person asked through %(portal)s to hear from the study team there.",
            **values,
        )
    if kind == RECIPIENT_INVESTIGATOR:
        return gettext(
            "You are getting this email because ClinicalTrials.gov lists this address for the researcher who leads "
            "%(nct_id)s at %(facility)s, and a person asked through %(portal)s to hear from the study team there.",
            **values,
        )
    if kind == RECIPIENT_CENTRAL_CONTACT:
        return gettext(
            "You are getting this email because ClinicalTrials.gov lists this address as the central contact of "
            "%(nct_id)s and no address for %(facility)s, where a person asked through %(portal)s to hear from the "
            "study team.",
            **values,
        )
    if kind == RECIPIENT_PORTAL_TEAM and contact.phone_reason == PHONE_BOUNCED:
        return gettext(
            "You are getting this email because you are on the %(portal)s team, and the email address for "
            "%(facility)s in %(nct_id)s refused our emails.",
            **values,
        )
    if kind == RECIPIENT_PORTAL_TEAM:
        return gettext(
            "You are getting this email because you are on the %(portal)s team, and ClinicalTrials.gov lists no "
            "email address for %(facility)s in %(nct_id)s.",
            **values,
        )
    return gettext(
        "You are getting this email because a person asked through %(portal)s to hear from the study team at "
        "%(facility)s (%(nct_id)s).",
        **values,
    )
