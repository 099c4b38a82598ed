"""Users and signing in: create, authenticate with a lockout checked before any hashing, change passwords."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from portal.accounts.passwords import hash_password, verify_password
from portal.accounts.sessions import end_all_sessions, start_session
from portal.models.base import utcnow
from portal.models.user import ADMIN, ROLES, SignInFailure, User
from portal.validation import normalised_email


class AccountError(ValueError):
    """A user cannot be created or changed as asked."""


def normalise_address(text: str) -> str:
    return normalised_email(text.strip()).lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(session: Session, email: str, display_name: str, role: str, password: str | None = None) -> User:
    """A new user (an invited one has no password yet). Flushes."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    address = normalise_address(email)
    if find_user(session, address) is not None:
        raise AccountError("a user with this email address already exists")
    user = User(
        email=address,
        display_name=display_name.strip() or address,
        role=role,
        active=True,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def create_admin(session: Session, email: str, display_name: str, password: str) -> User:
    return create_user(session, email, display_name, ADMIN, password)


def set_password(session: Session, user: User, password: str) -> None:
    """A new password ends every session of the user (the caller may start a fresh one)."""
    user.password_hash = hash_password(password)
    end_all_sessions(session, user)
    session.flush()


def set_active(session: Session, user: User, active: bool) -> None:
    user.active = active
    if not active:
        end_all_sessions(session, user)
    session.flush()


# --- signing in -------------------------------------------------------------------------------------------------


def _key(kind: str, value: str) -> str:
    """A keyed hash, so the failure table never holds an address or IP in clear."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    locked: bool = False

    @property
    def ok(self) -> bool:
        return self.user is not None


# pg_advisory_xact_lock(class, key): one class per kind of key, so an account and an IP never share a lock.
_ACCOUNT_LOCK_CLASS, _IP_LOCK_CLASS = 0x5349_4E01, 0x5349_4E02


def _lock_number(key: str) -> int:
    """The first 32 bits of a keyed hash, as the signed int4 an advisory lock takes (a clash only makes one wait)."""
    return int(key[:8], 16) - 2**31


def hold_sign_in_locks(session: Session, account_key: str, ip_key: str) -> None:
    """Until the transaction ends, no other sign-in for this account, or from this IP, counts or checks a password.

    Counting the recent failures, checking the password and recording a failure must be one step: otherwise
    parallel wrong passwords all find the count under the limit, and all are checked. PostgreSQL: advisory locks
    held to the end of the transaction, the account's before the IP's in every sign-in, so two never wait for each
    other. SQLite has one writer at a time: a first statement that writes (matching no row) takes the write lock,
    which the sign-in view's BEGIN IMMEDIATE has already taken.
    """
    if session.get_bind().dialect.name == "postgresql":
        for lock_class, key in ((_ACCOUNT_LOCK_CLASS, account_key), (_IP_LOCK_CLASS, ip_key)):
            session.execute(select(func.pg_advisory_xact_lock(lock_class, _lock_number(key))))
    else:
        session.execute(text("DELETE FROM sign_in_failures WHERE 0 = 1"))


def is_locked_out(session: Session, account_key: str, ip_key: str, now: datetime) -> bool:
    config = current_app.config
    since = now - timedelta(minutes=config["LOCKOUT_WINDOW_MINUTES"])
    by_account = session.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.account_key == account_key, SignInFailure.created_at > since)
    )
    if (by_account or 0) >= config["LOCKOUT_ACCOUNT_FAILURES"]:
        return True
    by_ip = session.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.ip_key == ip_key, SignInFailure.created_at > since)
    )
    return (by_ip or 0) >= config["LOCKOUT_IP_FAILURES"]


def authenticate(session: Session, email: str, password: str, ip: str, now: datetime | None = None) -> SignInResult:
    """Check a sign-in. The lockout is checked first, so a locked account or IP never costs a hash. Flushes.

    Failures are counted for unknown addresses too, so the answer never tells whether an account exists. Sign-ins
    for one account, or from one IP, take turns until the caller's transaction ends (`hold_sign_in_locks`), so
    however many arrive at once, at most the limit of passwords is checked in a window.
    """
    now = now or utcnow()
    address = email.strip().lower()
    account_key, ip_key = _key("account", address), _key("ip", ip or "unknown")
    hold_sign_in_locks(session, account_key, ip_key)
    if is_locked_out(session, account_key, ip_key, now):
        return SignInResult(None, locked=True)
    user = find_user(session, address)
    if verify_password(user.password_hash if user else None, password) and user is not None and user.active:
        session.execute(delete(SignInFailure).where(SignInFailure.account_key == account_key))
        start_session(session, user, now)
        return SignInResult(user)
    session.add(SignInFailure(account_key=account_key, ip_key=ip_key, created_at=now))
    session.flush()
    return SignInResult(None)


def forget_old_failures(session: Session, now: datetime | None = None) -> int:
    now = now or utcnow()
    since = now - timedelta(minutes=current_app.config["LOCKOUT_WINDOW_MINUTES"])
    result = session.execute(delete(SignInFailure).where(SignInFailure.created_at <= since))
    return result.rowcount  # type: ignore[attr-defined]
