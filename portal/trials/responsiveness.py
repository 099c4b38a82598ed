"""How quickly each site answers contact requests: the median working days to a first response, and the share
answered within 2 working days, over the last 180 days (sites with at least 5 requests only)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext, ngettext
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from portal.geo.working_days import add_working_days, working_days_taken
from portal.models import ContactRequest, Site

WINDOW = timedelta(days=180)
MIN_REQUESTS = 5
DUE_WORKING_DAYS = 2
# Not answered (no first response recorded) once its 2 working days are over: in the median, a wait without end.
NEVER = float("inf")


@dataclass
class Responsiveness:
    """One site's (or one trial's) figures. `waits` holds the working days each decided request took (NEVER for
    one still unanswered past its 2 working days); a request still inside its 2 days is counted in `requests` only."""

    requests: int = 0
    waits: list[float] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.requests >= MIN_REQUESTS and bool(self.waits)

    @property
    def answered(self) -> int:
        return sum(1 for wait in self.waits if wait != NEVER)

    @property
    def within_due(self) -> int:
        return sum(1 for wait in self.waits if wait <= DUE_WORKING_DAYS)

    @property
    def share_within_due(self) -> float | None:
        return self.within_due / len(self.waits) if self.waits else None

    @property
    def median_days(self) -> float | None:
        """The median working days to a first response; None when most requests were never answered."""
        if not self.waits:
            return None
        median = statistics.median(self.waits)
        return None if median == NEVER else median

    def add(self, other: Responsiveness) -> None:
        self.requests += other.requests
        self.waits.extend(other.waits)


def _wait(created_at: datetime, first_response_at: datetime | None, country: str | None, now: datetime) -> float | None:
    if first_response_at is not None:
        return working_days_taken(created_at, first_response_at, country)
    if now > add_working_days(created_at, DUE_WORKING_DAYS, country):
        return NEVER
    return None  # still inside its 2 working days: not decided yet


def responsiveness(session: Session, now: datetime, *conditions: ColumnElement[bool]) -> dict[int, Responsiveness]:
    """Figures by site id, for the requests of the last 180 days that match `conditions` (all sites by default)."""
    rows = session.execute(
        select(ContactRequest.site_id, ContactRequest.created_at, ContactRequest.first_response_at, Site.country)
        .join(Site, Site.id == ContactRequest.site_id)
        .where(ContactRequest.created_at >= now - WINDOW, ContactRequest.created_at <= now, *conditions)
    ).tuples()
    figures: dict[int, Responsiveness] = {}
    for site_id, created_at, first_response_at, country in rows:
        site = figures.setdefault(site_id, Responsiveness())
        site.requests += 1
        wait = _wait(created_at, first_response_at, country, now)
        if wait is not None:
            site.waits.append(wait)
    return figures


def trial_responsiveness(session: Session, trial_id: int, now: datetime) -> dict[int, Responsiveness]:
    """The trial's sites that have enough requests to show a figure."""
    figures = responsiveness(session, now, ContactRequest.trial_id == trial_id)
    return {site_id: figure for site_id, figure in figures.items() if figure.shown}


def combined(figures: Iterable[Responsiveness]) -> Responsiveness:
    total = Responsiveness()
    for figure in figures:
        total.add(figure)
    return total


def patient_wording(figure: Responsiveness | None) -> str | None:
    """What a patient reads beside the site, or None (fewer than 5 recent requests: nothing is said)."""
    if figure is None or not figure.shown:
        return None
    median = figure.median_days
    if median is not None:
        days = max(1, math.ceil(median))
        return ngettext(
            "Usually replies within %(num)d working day", "Usually replies within %(num)d working days", days
        )
    share = figure.share_within_due or 0.0
    return gettext("Replied within 2 working days to %(percent)d%% of recent requests", percent=round(share * 100))
