"""A study site's own time zone: from its coordinates (timezonefinder's shipped data), else its country's main zone."""

from __future__ import annotations

import threading
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal.geo.places import _geonames, country_code

_finder_lock = threading.Lock()


@lru_cache(maxsize=1)
def _finder() -> object:
    from timezonefinder import TimezoneFinder  # loaded on first use: nothing heavy at import time

    return TimezoneFinder(in_memory=True)  # read once; keeps no data files open


@lru_cache(maxsize=4096)
def _zone_at(latitude: float, longitude: float) -> str | None:
    with _finder_lock:  # one finder instance, shared by the threads of a process
        name: str | None = _finder().timezone_at(lng=longitude, lat=latitude)  # type: ignore[attr-defined]
    # The open sea has only "Etc/GMT+5"-style zones, which name no place; the country does better.
    return None if name is None or name.startswith("Etc/") else name


@lru_cache(maxsize=1)
def _country_zones() -> dict[str, str]:
    """Each country's main zone: the zone of its most populous city in the offline GeoNames data."""
    largest: dict[str, tuple[int, str]] = {}
    for city in _geonames().get_cities().values():
        code, zone, people = city.get("countrycode"), city.get("timezone"), int(city.get("population") or 0)
        if code and zone and people > largest.get(code, (-1, ""))[0]:
            largest[code] = (people, zone)
    return {code: zone for code, (_people, zone) in largest.items()}


def country_zone(country: str | None) -> str | None:
    code = country_code(country)
    return _country_zones().get(code) if code else None


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_for(latitude: float | None, longitude: float | None, country: str | None) -> ZoneInfo | None:
    """The zone of a place: its coordinates when given and in range, else its country's; None when neither tells."""
    if latitude is not None and longitude is not None and -90 <= latitude <= 90 and -180 <= longitude <= 180:
        zone = _zone(_zone_at(round(latitude, 4), round(longitude, 4)))
        if zone is not None:
            return zone
    return _zone(country_zone(country))
