"""Site ordering: recruiting first, nearest first, no coordinates last by name; distance units by country."""

from __future__ import annotations

from portal.contact.services import site_choices
from portal.geo import Place
from portal.models import Site

CHICAGO = Place(41.8781, -87.6298, "Chicago", "US")


def site(
    name: str,
    status: str = "RECRUITING",
    lat: float | None = None,
    lon: float | None = None,
    country: str = "United States",
) -> Site:
    return Site(facility=name, status=status, latitude=lat, longitude=lon, country=country, city="X")


def test_nearest_recruiting_first_then_no_coordinates_by_name_then_closed() -> None:
    sites = [
        site("Zeta Clinic"),  # no coordinates
        site("Far", lat=34.05, lon=-118.24),  # Los Angeles
        site("Alpha Clinic"),  # no coordinates
        site("Closed Near", status="COMPLETED", lat=41.88, lon=-87.63),
        site("Near", lat=42.05, lon=-87.68),  # Evanston
    ]
    names = [c.site.facility for c in site_choices(sites, CHICAGO)]
    assert names == ["Near", "Far", "Alpha Clinic", "Zeta Clinic", "Closed Near"]


def test_distance_units_follow_the_sites_country() -> None:
    us, france = site("US", lat=42.05, lon=-87.68), site("FR", lat=48.85, lon=2.35, country="France")
    choices = {c.site.facility: c for c in site_choices([us, france], CHICAGO)}
    assert choices["US"].distance == (12, "mi")
    number, unit = choices["FR"].distance  # type: ignore[misc]
    assert unit == "km" and 6600 < number < 6700


def test_without_a_place_there_is_no_distance() -> None:
    choices = site_choices([site("B", lat=1, lon=1), site("A")], None)
    assert [c.site.facility for c in choices] == ["A", "B"]
    assert all(c.distance is None for c in choices)
