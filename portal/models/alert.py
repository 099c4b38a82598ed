"""Trial alerts: subscribers, the conditions they follow, and the trials we told them about."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TimestampMixin, UTCDateTime, utcnow

PENDING, ACTIVE = "pending", "active"
IMMEDIATE, WEEKLY = "immediate", "weekly"


class Subscriber(TimestampMixin, Base):
    """One address. Pending until the owner confirms; deleted, with everything about them, on unsubscribe."""

    __tablename__ = "subscribers"
    __table_args__ = (Index("ix_subscribers_status_frequency", "status", "frequency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    frequency: Mapped[str] = mapped_column(String(10), default=IMMEDIATE)
    language: Mapped[str] = mapped_column(String(10), default="en")
    # The portal's language they signed up in (en, es, zh_Hans): their emails are in it.
    ui_locale: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    # Where they are, as they typed it resolved offline; no place and no radius means "anywhere".
    place_query: Mapped[str | None] = mapped_column(String(120))
    place_label: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    radius_km: Mapped[float | None] = mapped_column(Float)
    distance_unit: Mapped[str] = mapped_column(String(2), default="mi")
    # A box around the circle, so matching compares indexed site coordinates before any trigonometry.
    min_latitude: Mapped[float | None] = mapped_column(Float)
    max_latitude: Mapped[float | None] = mapped_column(Float)
    min_longitude: Mapped[float | None] = mapped_column(Float)
    max_longitude: Mapped[float | None] = mapped_column(Float)
    # Part of every signed link: links made for an address that left and came back do not work for the new one.
    token_nonce: Mapped[str] = mapped_column(String(32))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    conditions: Mapped[list[SubscriberCondition]] = relationship(
        back_populates="subscriber",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SubscriberCondition.id",
    )

    @property
    def anywhere(self) -> bool:
        return self.radius_km is None

    def __repr__(self) -> str:
        return f"<Subscriber {self.id} {self.status}>"


class SubscriberCondition(Base):
    """A condition as the subscriber typed it (label) and as matching sees it (phrase, see portal.ctgov.terms)."""

    __tablename__ = "subscriber_conditions"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "phrase"),
        Index("ix_subscriber_conditions_phrase", "phrase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200))
    phrase: Mapped[str] = mapped_column(String(200))

    subscriber: Mapped[Subscriber] = relationship(back_populates="conditions")


class TrialAlert(Base):
    """A trial that fits a subscriber. The unique pair is what makes "never the same trial twice" a guarantee."""

    __tablename__ = "trial_alerts"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "trial_id"),
        Index("ix_trial_alerts_waiting", "notified_at", "subscriber_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    # The subscriber's phrase that matched, and the nearest recruiting site in their radius (none for "anywhere").
    matched_phrase: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    distance_km: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the alert is written into an email (in the same transaction as the outbox row).
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notice_batch: Mapped[str | None] = mapped_column(String(32))


class AlertRun(Base):
    """One matching run: when it started (the next run looks back from there) and what it did."""

    __tablename__ = "alert_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    alerts_created: Mapped[int] = mapped_column(Integer, default=0)
    emails_written: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
