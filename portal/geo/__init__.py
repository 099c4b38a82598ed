"""Offline places and distances: names to places (portal.geo.places), great-circle distance, units."""

from __future__ import annotations

import math
from typing import Any, overload

from sqlalchemy import ColumnElement, func

from portal.geo.places import (
    MAX_PLACE_QUERY,
    Place,
    PlaceLookup,
    country_code,
    country_name,
    fold,
    look_up_place,
    place_key,
    resolve_place,
)

__all__ = [
    "EARTH_RADIUS_KM",
    "KM_PER_MILE",
    "MAX_PLACE_QUERY",
    "Place",
    "PlaceLookup",
    "bounding_box",
    "country_code",
    "country_name",
    "fold",
    "great_circle_km",
    "look_up_place",
    "place_key",
    "resolve_place",
    "rounded_distance",
    "sql_great_circle_km",
    "uses_miles",
]

EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344
# Countries (as ClinicalTrials.gov names them) where distances are given in miles.
MILES_COUNTRIES = {"United States", "United Kingdom", "Guam", "Puerto Rico", "Liberia", "Myanmar"}


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def sql_great_circle_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> ColumnElement[float]:
    """great_circle_km as an SQL expression (PostgreSQL, and SQLite with math functions; see portal.database)."""
    half_dlat = func.radians(lat2 - lat1) / 2
    half_dlon = func.radians(lon2 - lon1) / 2
    a = func.power(func.sin(half_dlat), 2) + func.cos(func.radians(lat1)) * func.cos(func.radians(lat2)) * func.power(
        func.sin(half_dlon), 2
    )
    return 2 * EARTH_RADIUS_KM * func.asin(func.sqrt(a))


KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180


def bounding_box(latitude: float, longitude: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) around a circle; the whole longitude range near a pole or the date line."""
    delta_lat = radius_km / KM_PER_DEGREE_LATITUDE
    min_lat, max_lat = latitude - delta_lat, latitude + delta_lat
    if min_lat <= -90 or max_lat >= 90:
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0
    delta_lon = math.degrees(math.asin(min(1.0, math.sin(math.radians(delta_lat)) / math.cos(math.radians(latitude)))))
    min_lon, max_lon = longitude - delta_lon, longitude + delta_lon
    if min_lon < -180 or max_lon > 180:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, min_lon, max_lon


def uses_miles(country: str | None) -> bool:
    return (country or "") in MILES_COUNTRIES


@overload
def rounded_distance(distance_km: float, unit: str) -> int: ...
@overload
def rounded_distance(distance_km: float, unit: str, digits: int) -> float: ...
def rounded_distance(distance_km: float, unit: str, digits: int | None = None) -> float:
    """A distance in the unit it is shown in ("mi", else km): whole miles or km, or rounded to `digits` places."""
    return round(distance_km / KM_PER_MILE if unit == "mi" else distance_km, digits)
