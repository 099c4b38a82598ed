"""Signed links for invitations and password resets: they expire, and stop working once used."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from portal.models.base import utcnow
from portal.models.user import User

INVITATION, RESET = "invitation", "password-reset"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal-{purpose}")


def _fingerprint(user: User) -> str:
    # Changes when the password does, so a link works once: setting the password spends it.
    return hashlib.sha256((user.password_hash or "no password yet").encode()).hexdigest()[:16]


def _max_age(purpose: str) -> timedelta:
    hours = current_app.config["INVITATION_HOURS" if purpose == INVITATION else "PASSWORD_RESET_HOURS"]
    return timedelta(hours=hours)


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"user": user.id, "fp": _fingerprint(user)})


def user_for_token(session: Session, token: str, purpose: str, now: datetime | None = None) -> User | None:
    """The user a valid, unexpired, unused link is for; None otherwise (the caller says so in plain words)."""
    now = now or utcnow()
    try:
        data, signed_at = _serializer(purpose).loads(token, return_timestamp=True)
    except BadSignature:
        return None
    signed_at = signed_at if signed_at.tzinfo else signed_at.replace(tzinfo=UTC)
    if now - signed_at > _max_age(purpose) or not isinstance(data, dict):
        return None
    user = session.get(User, data.get("user")) if isinstance(data.get("user"), int) else None
    if user is None or not user.active or data.get("fp") != _fingerprint(user):
        return None
    return user
