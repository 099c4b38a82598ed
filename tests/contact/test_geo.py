"""Places resolve offline; distances are great-circle."""

from __future__ import annotations

import pytest

from portal.geo import country_code, great_circle_km, resolve_place


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
