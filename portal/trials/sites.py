"""A trial's sites as light rows: the columns its pages show, read without the contacts JSON or the ORM's upkeep."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple, Protocol

from sqlalchemy import Dialect, text
from sqlalchemy.orm import Session

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


# Plain SQL, straight to the driver: building rows through the ORM cost more than the query for 1,000 sites.
_SITE_ROWS_SQL = text(
    "SELECT id, facility, city, state, zip, country, status, latitude, longitude FROM sites"
    " WHERE trial_id = :trial_id ORDER BY position"
)


@lru_cache(maxsize=4)
def _site_rows_driver_sql(dialect: Dialect) -> str:
    """The statement in the driver's own parameter style, compiled once per dialect."""
    return str(_SITE_ROWS_SQL.compile(dialect=dialect))


def site_rows(session: Session, trial_id: int) -> list[SiteRow]:
    """The trial's sites in the record's order. A trial can have 1,000+ sites: plain tuples, no JSON decoded, read
    with the driver's own cursor on the session's connection (SQLAlchemy's row objects cost a third again)."""
    connection = session.connection()
    sql = _site_rows_driver_sql(connection.dialect)
    params: dict[str, int] | tuple[int] = (
        {"trial_id": trial_id} if connection.dialect.paramstyle in {"named", "pyformat"} else (trial_id,)
    )
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(map(SiteRow._make, cursor.fetchall()))
    finally:
        cursor.close()
