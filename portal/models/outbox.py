"""The outbox: every email we send, written in the same transaction as what caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, JSONType, TimestampMixin, UTCDateTime, utcnow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
# Some recipients got it, the server refused the others and we stopped trying: `refused_recipients` says who.
PARTIAL = "partial"


class OutboxEmail(TimestampMixin, Base):
    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Fixed when the row is written, so every retry of this message carries the same Message-ID.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    sender: Mapped[str] = mapped_column(String(320))
    recipients: Mapped[list[str]] = mapped_column(JSONType)
    reply_to: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    # When the server first accepted the message, for all its recipients or some of them.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    # The recipients who have not got it, with the server's last reply: {"pi@site.org": "550 5.1.1 No such user"}.
    # Once sent_at is set, a retry goes to these only, never again to the recipients the server accepted.
    refused_recipients: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    contact_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_requests.id", ondelete="CASCADE"), index=True
    )
    # Alerts: deleted with the subscriber, whose unsubscribe removes their personal data everywhere.
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    # Extra headers, e.g. List-Unsubscribe (RFC 2369) and List-Unsubscribe-Post (RFC 8058).
    headers: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    # Set for a message that must exist at most once ("reminder:<request id>"): a second writer's insert fails, so a
    # scheduler running in two workers, or again after a restart, never writes it twice.
    unique_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    def __repr__(self) -> str:
        return f"<OutboxEmail {self.id} {self.kind} {self.status}>"
