"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

from contextlib import suppress
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 256  # argon2 copes with more; a cap keeps hashing time bounded
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when no account matches, so an unknown email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        _spend_time(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _spend_time(password: str) -> None:
    with suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, password)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


# Messages by problem: translated on the web forms, plain English on the command line.
PROBLEMS = {
    "short": (_l("Use at least 12 characters."), f"Use at least {MIN_LENGTH} characters."),
    "long": (_l("Use at most 256 characters."), f"Use at most {MAX_LENGTH} characters."),
    "common": (
        _l("This password is too common. Try a few unrelated words together."),
        "This password is too common. Try a few unrelated words together.",
    ),
    "email": (_l("Do not use your email address as your password."), "Do not use your email address as your password."),
}


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Why this password is refused (a key of PROBLEMS), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "short"
    if len(password) > MAX_LENGTH:
        return "long"
    lowered = password.casefold()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return "common"
    if email and lowered == email.casefold():
        return "email"
    return None
