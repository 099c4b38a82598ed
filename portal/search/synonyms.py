"""Placeholder: lay and clinical phrases that mean the same (the real data comes with the synonyms work)."""

from __future__ import annotations


def expand_terms(text: str) -> list[str]:
    """Other phrases meaning the same as `text` (lower case); [] when none."""
    return []
