"""A trial's sites as light rows: the columns its pages show, read without the contacts JSON or the ORM's upkeep."""

from __future__ import annotations

from typing import NamedTuple, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Site

# Up to this many sites, a trial's page lists every one of them; a bigger trial's page lists its countries and
# regions, each with a page of its own sites, and its contact form offers the nearest few recruiting sites.
LIST_ALL_UP_TO = 100


class SiteFacts(Protocol):
    """What the pages read of a site: a SiteRow, or a Site where one is at hand."""

    @property
    def id(self) -> int: ...
    @property
    def facility(self) -> str | None: ...
    @property
    def city(self) -> str | None: ...
    @property
    def state(self) -> str | None: ...
    @property
    def zip(self) -> str | None: ...
    @property
    def country(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def latitude(self) -> float | None: ...
    @property
    def longitude(self) -> float | None: ...


class SiteRow(NamedTuple):
    id: int
    facility: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None
    status: str | None
    latitude: float | None
    longitude: float | None


_SITE_ROWS = select(
    Site.id, Site.facility, Site.city, Site.state, Site.zip, Site.country, Site.status, Site.latitude, Site.longitude
).order_by(Site.position)


def site_rows(session: Session, trial_id: int) -> list[SiteRow]:
    """The trial's sites in the record's order. A trial can have 1,000+ sites: plain tuples, no JSON decoded."""
    result = session.execute(_SITE_ROWS.where(Site.trial_id == trial_id))
    return [SiteRow._make(row) for row in result.tuples()]
