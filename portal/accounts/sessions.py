"""Server-side sign-in sessions: a random token per browser, stored hashed, with idle and absolute limits."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal.models.base import utcnow
from portal.models.user import User, UserSession
from portal.tokens import token_hash

# Writing last_seen_at on every page view would turn reads into writes; a minute's precision is plenty.
TOUCH_EVERY = timedelta(minutes=1)


def start_session(session: Session, user: User, now: datetime | None = None) -> str:
    """A new session for this user; returns the token that goes into the signed cookie. Flushes."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, token_hash=token_hash(token), created_at=now, last_seen_at=now))
    session.flush()
    user.session_token = token
    return token


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return timedelta(minutes=config["SESSION_IDLE_MINUTES"]), timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])


def is_expired(row: UserSession, now: datetime) -> bool:
    idle, absolute = _limits()
    return now - row.last_seen_at > idle or now - row.created_at > absolute


def load_session_user(session: Session, user_id: str, token: str, now: datetime | None = None) -> User | None:
    """The user of a live session, or None: unknown token, another user's token, expired, or a disabled account."""
    now = now or utcnow()
    if not user_id.isdigit() or not token:
        return None
    row = session.scalar(
        select(UserSession).where(UserSession.token_hash == token_hash(token), UserSession.user_id == int(user_id))
    )
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active or is_expired(row, now):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        _touch(session, row.id, now)
        set_committed_value(row, "last_seen_at", now)  # what the database now holds, without a pending write
    user.session_token = token
    return user


def _touch(session: Session, row_id: int, now: datetime) -> None:
    # Its own short transaction, so a page that only reads never commits the request's session.
    with session.get_bind().begin() as conn:  # type: ignore[union-attr]
        conn.execute(update(UserSession).where(UserSession.id == row_id).values(last_seen_at=now))


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))


def end_all_sessions(session: Session, user: User) -> None:
    """Sign the user out everywhere (password change, reset, account disabled)."""
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def purge_expired_sessions(session: Session, now: datetime | None = None) -> int:
    now = now or utcnow()
    idle, absolute = _limits()
    result = session.execute(
        delete(UserSession).where((UserSession.last_seen_at < now - idle) | (UserSession.created_at < now - absolute))
    )
    return result.rowcount  # type: ignore[attr-defined]
