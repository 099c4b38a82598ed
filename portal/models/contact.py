"""A patient's request to be contacted by a study site, and operator overrides of who receives them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, JSONType, TimestampMixin, UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.models.trial import Site, Trial

CONTACT_STATUSES = (
    "new",
    "contacted",
    "pre-screening",
    "scheduled",
    "enrolled",
    "not eligible",
    "unreachable",
    "withdrawn",
)

# Who received a request, as portal.contact.services.recipients_for chose them: an operator's override for the
# site, the site's contact, its principal investigator, the trial's central contact, or the portal team (who phone
# the site). The patient is told which, so nothing says the site has the request when it has not.
RECIPIENT_OVERRIDE = "override"
RECIPIENT_SITE_CONTACT = "site_contact"
RECIPIENT_INVESTIGATOR = "investigator"
RECIPIENT_CENTRAL_CONTACT = "central_contact"
RECIPIENT_PORTAL_TEAM = "portal_team"

# Why the portal team must pass a request on by phone (ContactRequest.phone_reason): the registry lists no address
# for the site, or the site's address refused our email for good (a 5xx). A request unanswered for too long joins
# the phone queue as a third reason, worked out from its dates rather than stored.
PHONE_NO_EMAIL = "no_email"
PHONE_BOUNCED = "bounced"
PHONE_UNANSWERED = "unanswered"
PHONE_REASONS = (PHONE_NO_EMAIL, PHONE_BOUNCED, PHONE_UNANSWERED)

# What the portal team's phone call achieved (ContactRequest.phone_outcome). "Could not reach" keeps the request
# in the queue to try again; the other two take it out.
OUTCOME_PASSED_ON = "passed_on"
OUTCOME_NOT_REACHED = "not_reached"
OUTCOME_NOT_TAKING_PART = "not_taking_part"
PHONE_OUTCOMES = (OUTCOME_PASSED_ON, OUTCOME_NOT_REACHED, OUTCOME_NOT_TAKING_PART)
PHONE_DONE = (OUTCOME_PASSED_ON, OUTCOME_NOT_TAKING_PART)


class ContactRequest(TimestampMixin, Base):
    __tablename__ = "contact_requests"
    __table_args__ = (
        Index("ix_contact_requests_dedupe", "trial_id", "site_id", "email", "created_at"),
        # The follow-up scheduler's scan (reminders, escalations): only requests still waiting for a first response
        # and not yet escalated, so a pass reads a few recent rows however many requests have been answered.
        Index(
            "ix_contact_requests_awaiting_reply",
            "created_at",
            sqlite_where=text("first_response_at IS NULL AND escalated_at IS NULL"),
            postgresql_where=text("first_response_at IS NULL AND escalated_at IS NULL"),
        ),
        # Response times over the last 180 days, for the operators' dashboard.
        Index("ix_contact_requests_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # An unguessable handle for links; the numeric id never leaves the server.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    # The site row can disappear in a later import; the facility name below keeps what the patient chose.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    facility_name: Mapped[str] = mapped_column(Text)
    first_name: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(20))
    # The portal's language the patient used (en, es, zh_Hans): their copy of the request is in it.
    ui_locale: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    message: Mapped[str | None] = mapped_column(Text)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    consent_version: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    recipients: Mapped[list[str]] = mapped_column(JSONType, default=list)
    needs_phone_call: Mapped[bool] = mapped_column(Boolean, default=False)
    # One of the RECIPIENT_* kinds above; None for requests stored before it was recorded.
    recipient_kind: Mapped[str | None] = mapped_column(String(20))
    # One of PHONE_NO_EMAIL or PHONE_BOUNCED when the portal team must phone the site; None when email reached it.
    # "bounced" is what lets the patient's status page say the portal team will phone the site.
    phone_reason: Mapped[str | None] = mapped_column(String(20), index=True)
    # The latest phone call's outcome (one of PHONE_OUTCOMES) and when it was recorded; the note is in the history.
    phone_outcome: Mapped[str | None] = mapped_column(String(20))
    phone_outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the site team first reached the person; the response time is measured to it.
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The patient's "Could this study fit me?" answers, only when they ticked the box to attach them: a list of
    # {"id", "kind", "text", "answer"} as they saw the questions (see portal.trials.self_check.attached_answers).
    self_check_answers: Mapped[list[dict[str, str]] | None] = mapped_column(JSONType)
    # Signed into the patient's status link (portal.contact.status); None for requests stored before those links.
    status_nonce: Mapped[str | None] = mapped_column(String(32), unique=True)
    # When the site team got its one reminder (2 working days without a first response).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When it went unanswered for 5 working days: it joins the operators' phone queue and the patient gets the one
    # fallback offer.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    trial: Mapped[Trial] = relationship()
    site: Mapped[Site | None] = relationship()

    def __repr__(self) -> str:
        return f"<ContactRequest {self.id} trial={self.trial_id} site={self.site_id}>"


class SiteRecipientOverride(TimestampMixin, Base):
    """Addresses an operator set for a site; they replace the ones in the registry record."""

    __tablename__ = "site_recipient_overrides"
    __table_args__ = (UniqueConstraint("site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    emails: Mapped[list[str]] = mapped_column(JSONType)


class UndeliverableAddress(Base):
    """An address that refused a site's request for good (an SMTP 5xx): that site's requests go to the phone queue
    instead, until an operator sets the site's recipients again."""

    __tablename__ = "undeliverable_addresses"
    __table_args__ = (UniqueConstraint("site_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    # The server's reply, e.g. "550 5.1.1 No such user": what an operator needs to fix it.
    reply: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
