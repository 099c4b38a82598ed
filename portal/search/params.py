"""Reading search parameters from a URL: every value checked, every problem named by its parameter."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from portal.geo import KM_PER_MILE, MAX_PLACE_QUERY, Place, PlaceLookup, country_code, look_up_place
from portal.validation import has_control_characters, parse_whole
from portal.vocabulary import PHASES, RECRUITING, SEXES, STATUS_LABELS, STUDY_TYPE_LABELS

MAX_QUERY = 200
MAX_COUNTRY = 100
MAX_AGE = 120
MAX_WITHIN = 500
MAX_PAGE = 10_000
DEFAULT_STATUSES = (RECRUITING,)
# Sent by the search form. Without it, no `status` means the default (old links and the home page's box); with it,
# no `status` means the person unticked every status: any status.
FORM_MARKER = "filtered"
UNITS = ("mi", "km")
DEFAULT_WITHIN = 50
DEFAULT_UNIT = "mi"


@dataclass(frozen=True)
class SearchQuery:
    q: str | None = None
    statuses: tuple[str, ...] = DEFAULT_STATUSES  # () for any status
    phases: tuple[str, ...] = ()
    age: int | None = None
    sex: str | None = None
    healthy: bool = False
    study_type: str | None = None
    country: str | None = None
    near: str | None = None
    place: Place | None = field(default=None, compare=False)
    place_lookup: PlaceLookup | None = field(default=None, compare=False)  # what `near` found, for the page to say
    within: int = DEFAULT_WITHIN
    unit: str = DEFAULT_UNIT
    page: int = 1
    per_page: int = 20

    @property
    def filter_count(self) -> int:
        """How many filters narrow the search (the default status, recruiting, is one)."""
        used = (self.statuses, self.phases, self.age is not None, self.sex, self.healthy, self.study_type)
        return sum(bool(value) for value in (*used, self.country, self.near))

    @property
    def radius_km(self) -> float | None:
        if self.place is None:
            return None
        return self.within * (KM_PER_MILE if self.unit == "mi" else 1.0)

    def to_args(self) -> list[tuple[str, str]]:
        """The query as URL parameters (page left out), the inverse of parse_search_args."""
        args: list[tuple[str, str]] = []
        if self.q:
            args.append(("q", self.q))
        if self.statuses != DEFAULT_STATUSES:
            args.extend(("status", s) for s in self.statuses)
            if not self.statuses:
                args.append((FORM_MARKER, "1"))
        args.extend(("phase", p) for p in self.phases)
        if self.age is not None:
            args.append(("age", str(self.age)))
        if self.sex:
            args.append(("sex", self.sex))
        if self.healthy:
            args.append(("healthy", "1"))
        if self.study_type:
            args.append(("type", self.study_type))
        if self.country:
            args.append(("country", self.country))
        if self.near:
            args.extend([("near", self.near), ("within", str(self.within)), ("unit", self.unit)])
        return args


def _codes(args: MultiDict[str, str], name: str, allowed: tuple[str, ...] | list[str]) -> tuple[tuple[str, ...], bool]:
    values = [v.strip().upper() for v in args.getlist(name) if v.strip()]
    good = tuple(dict.fromkeys(v for v in values if v in allowed))
    return good, len(good) != len(set(values))


def parse_search_args(args: MultiDict[str, str]) -> tuple[SearchQuery, dict[str, str]]:
    """A SearchQuery from URL parameters, and messages for the parameters that were wrong (those are left out)."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}

    q = " ".join((args.get("q") or "").split())
    if len(q) > MAX_QUERY:
        errors["q"] = gettext("Use at most %(num)s characters.", num=MAX_QUERY)
    elif has_control_characters(q):
        errors["q"] = gettext("Please remove special characters.")
    elif q:
        values["q"] = q

    statuses, bad = _codes(args, "status", list(STATUS_LABELS))
    if bad:
        errors["status"] = gettext("Choose statuses from the list.")
    if statuses:
        values["statuses"] = statuses
    elif args.get(FORM_MARKER) and not bad:
        values["statuses"] = ()
    phases, bad = _codes(args, "phase", PHASES)
    if bad:
        errors["phase"] = gettext("Choose phases from the list.")
    values["phases"] = phases

    if (age_text := (args.get("age") or "").strip()) != "":
        age = parse_whole(age_text, 0, MAX_AGE)
        if age is None:
            errors["age"] = gettext("Type an age in whole years, from 0 to %(max)s.", max=MAX_AGE)
        values["age"] = age
    if sex := (args.get("sex") or "").strip().upper():
        if sex in SEXES:
            values["sex"] = sex
        elif sex != "ALL":
            errors["sex"] = gettext("Choose female or male.")
    healthy = (args.get("healthy") or "").strip()
    if healthy not in {"", "0", "1"}:
        errors["healthy"] = gettext("Tick the box, or leave it empty.")
    values["healthy"] = healthy == "1"
    if study_type := (args.get("type") or "").strip().upper():
        if study_type in STUDY_TYPE_LABELS:
            values["study_type"] = study_type
        else:
            errors["type"] = gettext("Choose a study type from the list.")
    if country := " ".join((args.get("country") or "").split()):
        if len(country) > MAX_COUNTRY:
            errors["country"] = gettext("Use at most %(num)s characters.", num=MAX_COUNTRY)
        elif has_control_characters(country):
            errors["country"] = gettext("Please remove special characters.")
        else:
            values["country"] = country

    _parse_place(args, values, errors)

    if (page_text := (args.get("page") or "").strip()) != "":
        page = parse_whole(page_text, 1, MAX_PAGE)
        if page is None:
            errors["page"] = gettext("Pages are numbered from 1 to %(max)s.", max=MAX_PAGE)
        else:
            values["page"] = page
    return SearchQuery(**values), errors  # type: ignore[arg-type]


def _parse_place(args: MultiDict[str, str], values: dict[str, object], errors: dict[str, str]) -> None:
    unit = (args.get("unit") or DEFAULT_UNIT).strip().lower()
    if unit not in UNITS:
        errors["unit"] = gettext("Choose miles or kilometres.")
        unit = DEFAULT_UNIT
    within_text = (args.get("within") or "").strip()
    within = parse_whole(within_text, 1, MAX_WITHIN) if within_text else DEFAULT_WITHIN
    if within is None:
        errors["within"] = gettext("Type a distance in whole numbers, from 1 to %(max)s.", max=MAX_WITHIN)
        within = DEFAULT_WITHIN
    near = " ".join((args.get("near") or "").split())
    if not near:
        return
    values.update(within=within, unit=unit)  # kept for the links to the places offered instead
    if len(near) > MAX_PLACE_QUERY:
        errors["near"] = gettext("Use at most %(num)s characters.", num=MAX_PLACE_QUERY)
        return
    if has_control_characters(near):
        errors["near"] = gettext("Please remove special characters.")
        return
    lookup = look_up_place(near, prefer_country=country_code(str(values.get("country") or "")))
    values["place_lookup"] = lookup
    if lookup.suggestion is not None:
        errors["near"] = gettext(
            "Did you mean %(place)s? It is the only place we know with this name.", place=lookup.suggestion.label
        )
        return
    if lookup.place is None:
        errors["near"] = gettext("We could not find this place. Try a US ZIP code, or a city such as “Lyon, France”.")
        return
    values.update(near=near, place=lookup.place)
