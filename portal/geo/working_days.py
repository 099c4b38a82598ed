"""Working days at a site: Monday to Friday, less the public holidays the `holidays` package knows for its country."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from portal.geo.places import country_code

# Beyond this many working days a wait counts as "longer" (a response time of weeks is not worth counting out).
MAX_COUNTED_DAYS = 60


@lru_cache(maxsize=256)
def _calendar(code: str | None) -> holidays.HolidayBase | None:
    if code is None:
        return None
    try:
        return holidays.country_holidays(code)
    except NotImplementedError:  # a country the package does not cover: weekends only
        return None


def is_working_day(day: date, country: str | None) -> bool:
    """Monday to Friday and not a public holiday in the country (a ClinicalTrials.gov country name, or None)."""
    if day.weekday() >= 5:
        return False
    calendar = _calendar(country_code(country) if country else None)
    return calendar is None or day not in calendar


def add_working_days(start: datetime, days: int, country: str | None) -> datetime:
    """`days` working days after `start`, in UTC; a start on a day off counts from the next working day's start."""
    moment = start
    if not is_working_day(moment.date(), country):
        day = moment.date() + timedelta(days=1)
        while not is_working_day(day, country):
            day += timedelta(days=1)
        moment = datetime.combine(day, time(), start.tzinfo)
    for _ in range(days):
        moment += timedelta(days=1)
        while not is_working_day(moment.date(), country):
            moment += timedelta(days=1)
    return moment


def working_days_taken(start: datetime, end: datetime, country: str | None) -> int:
    """The fewest working days `n` with `end` no later than `add_working_days(start, n)` (0: before the next working
    day began); MAX_COUNTED_DAYS at most."""
    for days in range(MAX_COUNTED_DAYS):
        if end <= add_working_days(start, days, country):
            return days
    return MAX_COUNTED_DAYS
