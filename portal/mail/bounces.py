"""A site's address that refuses our email for good: marked undeliverable, and the request goes to the phone queue."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.mail.smtp import refused_codes
from portal.models import ContactRequest, UndeliverableAddress
from portal.models.audit import ContactRequestEvent
from portal.models.base import utcnow
from portal.models.contact import PHONE_BOUNCED, RECIPIENT_PORTAL_TEAM
from portal.models.outbox import FAILED

log = logging.getLogger(__name__)

# The outbox kind of the email that carries a request to the site (see portal.contact.services).
SITE_REQUEST_KIND = "contact_site"


def permanent_refusals(refused: Mapping[str, str] | None) -> dict[str, str]:
    """The recipients refused with a 5xx: {address: reply}."""
    return {address: reply for address, reply in (refused or {}).items() if reply[:1] == "5"}


def record_site_refusals(session: Session, request_id: int, status: str, refused: Mapping[str, str] | None) -> bool:
    """After a site's request email was refused for good by some or all of its recipients. Commits.

    Each address refused with a 5xx is marked undeliverable for the request's site, so the site's later requests
    go to the phone queue. When nobody got this one (the row failed), the request itself moves to the phone queue
    with the reason "bounced". True when the request moved.
    """
    permanent = permanent_refusals(refused)
    if not permanent:
        return False
    for attempt in range(2):
        contact = session.get(ContactRequest, request_id)
        if contact is None or contact.recipient_kind == RECIPIENT_PORTAL_TEAM:
            session.rollback()  # the portal team's own address is not a site's: nothing to re-route
            return False
        now = utcnow()
        if contact.site_id is not None:
            known = set(
                session.scalars(
                    select(UndeliverableAddress.email).where(UndeliverableAddress.site_id == contact.site_id)
                )
            )
            for address, reply in permanent.items():
                if address not in known:
                    session.add(
                        UndeliverableAddress(site_id=contact.site_id, email=address, reply=reply, created_at=now)
                    )
        moved = status == FAILED and contact.phone_reason is None
        if moved:
            contact.needs_phone_call = True
            contact.phone_reason = PHONE_BOUNCED
            contact.updated_at = now
            session.add(
                ContactRequestEvent(
                    contact_request_id=contact.id,
                    kind="bounced",
                    created_at=now,
                    note=f"SMTP {', '.join(str(c) for c in refused_codes(permanent))}",
                )
            )
        try:
            session.commit()
        except IntegrityError:  # another worker marked the same address first: read again and go on
            session.rollback()
            if attempt:
                raise
            continue
        if moved:
            log.warning(
                "contact request %s: the site's address refused it for good; moved to the phone queue", request_id
            )
        return moved
    return False
