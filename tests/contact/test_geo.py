"""Places resolve offline; distances are great-circle."""

from __future__ import annotations

import pytest

from portal.alerts.notices import _distance as alert_distance
from portal.alerts.services import preferences_of
from portal.geo import KM_PER_MILE, country_code, great_circle_km, resolve_place, rounded_distance
from portal.models import Subscriber


def test_us_zip_codes_resolve() -> None:
    place = resolve_place("90210")
    assert place is not None and place.country_code == "US"
    assert "Beverly Hills" in place.label
    assert resolve_place("10001-1234") is not None


@pytest.mark.parametrize(
    ("text", "country"),
    [("Chicago", "US"), ("Springfield, MA", "US"), ("Lyon, France", "FR"), ("lyon", "FR"), ("Seoul", "KR")],
)
def test_cities_resolve_to_the_most_populous_match(text: str, country: str) -> None:
    place = resolve_place(text)
    assert place is not None and place.country_code == country


def test_a_state_narrows_a_common_city_name() -> None:
    plain, massachusetts = resolve_place("Springfield"), resolve_place("Springfield, MA")
    assert plain is not None and massachusetts is not None
    assert massachusetts.longitude > -75 > plain.longitude


@pytest.mark.parametrize("text", ["", "   ", "xyzzy", "00000", "Atlantis, Ocean", "9" * 500])
def test_unknown_places_are_none(text: str) -> None:
    assert resolve_place(text) is None


def test_distances() -> None:
    new_york, los_angeles = (40.7128, -74.0060), (34.0522, -118.2437)
    assert great_circle_km(*new_york, *los_angeles) == pytest.approx(3936, rel=0.01)
    assert great_circle_km(*new_york, *new_york) == 0


def test_registry_country_names_map_to_codes() -> None:
    assert country_code("Korea, Republic of") == country_code("South Korea") == "KR"
    assert country_code("Russian Federation") == "RU"
    assert country_code("United States") == "US"
    assert country_code("Guam") == "GU"
    assert country_code("Nowhere") is None


@pytest.mark.parametrize(
    ("km", "unit", "shown"),
    [(16.09344, "mi", 10), (1.0, "mi", 1), (0.4, "mi", 0), (10.0, "km", 10), (2.5, "km", 2), (2.6, "km", 3)],
)
def test_distances_are_shown_in_whole_miles_or_km(km: float, unit: str, shown: int) -> None:
    rounded = rounded_distance(km, unit)
    assert rounded == shown and isinstance(rounded, int)  # "10 miles", never "10.0 miles"


def test_search_shows_distances_to_a_tenth() -> None:
    assert rounded_distance(16.5, "mi", 1) == 10.3
    assert rounded_distance(12.34, "km", 1) == 12.3


def test_an_alert_never_says_zero_and_a_radius_reads_back_in_its_unit() -> None:
    assert alert_distance(0.2, "mi") == (1, "mi")
    assert alert_distance(132.4, "km") == (132, "km")
    assert alert_distance(None, "mi") is None
    assert preferences_of(Subscriber(radius_km=50 * KM_PER_MILE, distance_unit="mi"))["radius"] == "50"
    assert preferences_of(Subscriber(radius_km=25.0, distance_unit="km"))["radius"] == "25"
