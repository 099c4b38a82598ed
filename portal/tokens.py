"""Random link and session tokens are stored only as their SHA-256, so a copy of the database opens nothing."""

from __future__ import annotations

import hashlib


def token_hash(token: str) -> str:
    """The hex SHA-256 of the token's UTF-8 bytes: what a table keeps and looks a token up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
