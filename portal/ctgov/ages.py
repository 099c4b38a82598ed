"""Ages as ClinicalTrials.gov writes them ("18 Years", "1 Year", "18 Months", "18 Minutes")."""

from __future__ import annotations

import re
from dataclasses import dataclass

MINUTES_PER_UNIT = {
    "minute": 1,
    "hour": 60,
    "day": 60 * 24,
    "week": 60 * 24 * 7,
    # A month and a year are their average lengths, so 12 months equals 1 year exactly.
    "month": 60 * 24 * 365.25 / 12,
    "year": 60 * 24 * 365.25,
}
MINUTES_PER_YEAR = MINUTES_PER_UNIT["year"]

_AGE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+?)s?\s*$")
_NO_LIMIT = {"", "n/a", "na", "none", "no limit"}


class AgeError(ValueError):
    """An age text that cannot be read."""


@dataclass(frozen=True)
class Age:
    value: float
    unit: str  # singular: "year", "month", "week", "day", "hour", "minute"

    @property
    def minutes(self) -> int:
        return round(self.value * MINUTES_PER_UNIT[self.unit])


def parse_age(text: str | None) -> Age | None:
    """Parse an age limit; None means no limit. Raises AgeError for text that is not an age."""
    if text is None or text.strip().lower() in _NO_LIMIT:
        return None
    match = _AGE_RE.match(text)
    if not match:
        raise AgeError(f"age {text!r} is not '<number> <unit>'")
    unit = match.group(2).lower()
    if unit not in MINUTES_PER_UNIT:
        raise AgeError(f"age {text!r} has an unknown unit")
    return Age(float(match.group(1)), unit)


def minutes_to_years(minutes: int) -> float:
    return minutes / MINUTES_PER_YEAR
