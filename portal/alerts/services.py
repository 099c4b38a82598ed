"""Subscriptions: sign-up with double opt-in, preferences, confirmation, unsubscribe and purge."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.alerts.tokens import confirm_token, manage_token
from portal.geo import Place, bounding_box, rounded_distance
from portal.mail.outbox import add_email
from portal.mail.rendering import render_email
from portal.models.alert import ACTIVE, IMMEDIATE, PENDING, WEEKLY, Subscriber, SubscriberCondition
from portal.models.base import utcnow
from portal.models.outbox import OutboxEmail
from portal.urls import external_url
from portal.vocabulary import email_locale

__all__ = ["IMMEDIATE", "WEEKLY", "Preferences", "request_subscription"]


@dataclass(frozen=True)
class Preferences:
    conditions: list[tuple[str, str]]  # (label as typed, normalised phrase)
    place: Place | None
    place_query: str | None  # as typed, shown again on the manage page
    radius_km: float | None  # None: anywhere
    unit: str
    language: str
    frequency: str
    # The portal's language they used (portal.i18n): their emails fall back to it.
    ui_locale: str = "en"


def apply_preferences(subscriber: Subscriber, preferences: Preferences) -> None:
    subscriber.frequency = preferences.frequency
    subscriber.language = preferences.language
    subscriber.ui_locale = preferences.ui_locale
    subscriber.distance_unit = preferences.unit
    place, radius = preferences.place, preferences.radius_km
    if place is None or radius is None:
        subscriber.place_query = subscriber.place_label = subscriber.latitude = subscriber.longitude = (
            subscriber.radius_km
        ) = None
        subscriber.min_latitude = subscriber.max_latitude = subscriber.min_longitude = subscriber.max_longitude = None
    else:
        subscriber.place_query, subscriber.place_label = preferences.place_query, place.label
        subscriber.latitude, subscriber.longitude, subscriber.radius_km = place.latitude, place.longitude, radius
        box = bounding_box(place.latitude, place.longitude, radius)
        subscriber.min_latitude, subscriber.max_latitude, subscriber.min_longitude, subscriber.max_longitude = box
    wanted = dict((phrase, label) for label, phrase in preferences.conditions)
    for condition in list(subscriber.conditions):
        if condition.phrase not in wanted:
            subscriber.conditions.remove(condition)
        else:
            condition.label = wanted.pop(condition.phrase)
    for phrase, label in wanted.items():
        subscriber.conditions.append(SubscriberCondition(label=label, phrase=phrase))


def find_subscriber(session: Session, subscriber_id: int, nonce: str) -> Subscriber | None:
    subscriber = session.get(Subscriber, subscriber_id)
    if subscriber is None or not secrets.compare_digest(subscriber.token_nonce, nonce):
        return None
    return subscriber


def request_subscription(session: Session, email: str, preferences: Preferences) -> OutboxEmail:
    """Write the one email a sign-up may cause. The caller shows the same page whatever happened here.

    A new or still-unconfirmed address gets (again) a confirmation link for these choices. A confirmed address
    keeps its choices and is told how to change them: a stranger cannot change someone's alerts.
    """
    email = email.lower()  # one subscription per mailbox, however the address is capitalised
    subscriber = session.scalar(select(Subscriber).where(Subscriber.email == email))
    if subscriber is not None and subscriber.status == ACTIVE:
        return _email(session, subscriber, "alerts_already", manage_url=manage_url(subscriber))
    if subscriber is None:
        subscriber = Subscriber(email=email, status=PENDING, token_nonce=secrets.token_hex(16))
        session.add(subscriber)
    apply_preferences(subscriber, preferences)
    subscriber.created_at = utcnow()  # the 7 days before an unconfirmed sign-up is deleted start again
    session.flush()
    return _email(
        session,
        subscriber,
        "alerts_confirm",
        confirm_url=external_url("alerts.confirm", token=confirm_token(subscriber)),
        days=current_app.config["ALERTS_CONFIRM_DAYS"],
    )


def manage_url(subscriber: Subscriber) -> str:
    return external_url("alerts.manage", token=manage_token(subscriber))


def _email(session: Session, subscriber: Subscriber, name: str, **context: object) -> OutboxEmail:
    with force_locale(email_locale(subscriber.language, subscriber.ui_locale)):
        rendered = render_email(name, subscriber=subscriber, portal_name=current_app.config["PORTAL_NAME"], **context)
    return add_email(session, kind=name, recipients=[subscriber.email], email=rendered, subscriber_id=subscriber.id)


def confirm(session: Session, subscriber: Subscriber, now: datetime | None = None) -> None:
    """Alerts start now: only trials that open after this moment are sent."""
    if subscriber.status != ACTIVE:
        subscriber.status = ACTIVE
        subscriber.confirmed_at = now or utcnow()


def unsubscribe(session: Session, subscriber_id: int, nonce: str) -> bool:
    """Delete the subscriber and, through the foreign keys, their conditions, alerts and emails. Repeats are fine."""
    subscriber = find_subscriber(session, subscriber_id, nonce)
    if subscriber is None:
        return False
    session.execute(delete(Subscriber).where(Subscriber.id == subscriber.id))
    session.expunge(subscriber)
    return True


def purge_unconfirmed(session: Session, now: datetime | None = None) -> int:
    """Delete sign-ups nobody confirmed within ALERTS_CONFIRM_DAYS."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["ALERTS_CONFIRM_DAYS"])
    result = session.execute(
        delete(Subscriber)
        .where(Subscriber.status == PENDING, Subscriber.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount  # type: ignore[attr-defined]


def preferences_of(subscriber: Subscriber) -> dict[str, object]:
    """Form data for the manage page."""
    radius = "anywhere"
    if subscriber.radius_km is not None:
        radius = str(rounded_distance(subscriber.radius_km, subscriber.distance_unit))
    return {
        "conditions": "\n".join(c.label for c in subscriber.conditions),
        "place": subscriber.place_query or "",
        "radius": radius,
        "unit": subscriber.distance_unit,
        "language": subscriber.language,
        "frequency": subscriber.frequency,
    }
