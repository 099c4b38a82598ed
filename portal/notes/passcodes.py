"""Passcodes for shared notes: words that are easy to read aloud, stored only as argon2id hashes."""

from __future__ import annotations

import math
import re
import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

WORDS_FILE = Path(__file__).with_name("words.txt")
PASSCODE_WORDS = 4
MIN_CHOSEN_LENGTH = 8
MAX_PASSCODE_LENGTH = 200
_SEPARATORS = re.compile(r"[\s\-_.,]+")

_hasher = PasswordHasher(type=Type.ID)


@cache
def word_list() -> tuple[str, ...]:
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def generated_entropy_bits() -> float:
    return PASSCODE_WORDS * math.log2(len(word_list()))


def generate_passcode() -> str:
    """Four random words from our list of about 2,000 (44 bits), e.g. "maple-river-candle-orbit"."""
    words = word_list()
    return "-".join(secrets.choice(words) for _ in range(PASSCODE_WORDS))


def normalise_passcode(text: str) -> str:
    """What is compared: case, spaces and dashes do not matter, since passcodes are read aloud and retyped."""
    return "-".join(part for part in _SEPARATORS.split(text.casefold()) if part)


def hash_passcode(passcode: str) -> str:
    return _hasher.hash(normalise_passcode(passcode))


@cache
def _dummy_hash() -> str:
    # Same parameters as real hashes, so checking a passcode for an unknown link takes as long as for a real one.
    return _hasher.hash(secrets.token_urlsafe(16))


def check_passcode(stored_hash: str | None, passcode: str) -> bool:
    """True when the passcode matches; with no stored hash, spend the same time and say no."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), normalise_passcode(passcode)) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A URL-safe token of 128 random bits."""
    return secrets.token_urlsafe(16)
