"""Place names people type: common spellings and aliases, names several cities share, and a small place far away.

The search page, the contact form and the alerts form use one resolver and say the same things about it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from portal.geo import great_circle_km, look_up_place, place_key
from tests.alerts.helpers import sign_up
from tests.contact.helpers import TRIAL, field_errors, page_form


def _used(text: str, prefer_country: str | None = None) -> str:
    place = look_up_place(text, prefer_country).place
    assert place is not None, text
    return place.label


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("New York", "New York City, New York"),
        ("New York, NY", "New York City, New York"),
        ("new york, new york", "New York City, New York"),
        ("NYC", "New York City, New York"),
        ("Saint Louis", "St. Louis, Missouri"),
        ("St Louis", "St. Louis, Missouri"),
        ("St. Louis, MO", "St. Louis, Missouri"),
        ("Ft Worth", "Fort Worth, Texas"),
        ("Mt. Vernon, NY", "Mount Vernon, New York"),
        ("Springfield, MA", "Springfield, Massachusetts"),
        ("Springfield, Illinois", "Springfield, Illinois"),
        ("Cambridge, USA", "Cambridge, Massachusetts"),
        ("Lyon, France", "Lyon, France"),
        ("Bethesda", "Bethesda, Maryland"),  # a small US town, home of many trial sites: used without asking
    ],
)
def test_common_spellings_and_aliases_resolve(typed: str, label: str) -> None:
    assert _used(typed) == label


def test_saint_st_and_st_dot_are_one_name() -> None:
    assert place_key("St. Louis") == place_key("st louis") == place_key("Saint-Louis") == "saint louis"
    assert place_key("Ft. Myers") == "fort myers" and place_key("Mt Airy") == "mount airy"


def test_a_shared_name_uses_the_biggest_city_and_offers_the_others_by_size() -> None:
    lookup = look_up_place("Springfield")
    assert lookup.place is not None and lookup.place.label == "Springfield, Missouri"
    others = [place.label for place in lookup.others]
    assert others[:2] == ["Springfield, Massachusetts", "Springfield, Illinois"]
    for other in lookup.others:  # each offered label, typed again, is that place and nothing else
        again = look_up_place(other.label)
        assert again.place == other and again.others == ()


def test_a_search_limited_to_a_country_prefers_that_country() -> None:
    assert _used("Boston") == "Boston, Massachusetts"
    assert _used("Boston", prefer_country="GB") == "Boston, United Kingdom"
    assert [p.label for p in look_up_place("Boston", prefer_country="GB").others] == ["Boston, Massachusetts"]


def test_a_small_place_abroad_is_asked_about_not_used() -> None:
    lookup = look_up_place("Atlantis")
    assert lookup.place is None
    assert lookup.suggestion is not None and lookup.suggestion.label == "Atlantis, South Africa"
    assert _used("Atlantis, South Africa") == "Atlantis, South Africa"  # the suggestion, typed as offered
    assert _used("Lyon") == "Lyon, France"  # a big city abroad needs no country


def test_an_alias_never_outranks_a_city_of_that_very_name() -> None:
    # Some small towns list "Washington" among their alternate names; Washington, D.C. is the one meant.
    lookup = look_up_place("Washington")
    assert lookup.place is not None and lookup.place.label == "Washington, District of Columbia"
    assert all(p.label.startswith("Washington,") for p in lookup.others)


def test_the_contact_form_uses_the_same_resolver(client: FlaskClient, import_demo: Callable[..., object]) -> None:
    import_demo(TRIAL)
    _html, token, site = page_form(client)
    url = f"/trials/{TRIAL}/contact"
    html = client.post(url, data={"csrf_token": token, "action": "locate", "place": "St Louis", "site": site}).text
    assert "Sites nearest to St. Louis, Missouri come first." in html
    assert "Other places with this name:" in html and "Saint-Louis, Senegal" in html

    html = client.post(url, data={"csrf_token": token, "action": "locate", "place": "Atlantis", "site": site}).text
    assert field_errors(html)["place"].startswith("Did you mean Atlantis, South Africa?")
    assert "Sites nearest to" not in html


def test_the_alerts_form_uses_the_same_resolver(client: FlaskClient) -> None:
    asked = sign_up(client, place="Atlantis")
    assert asked.status_code == 422
    assert field_errors(asked.text)["place"].startswith("Did you mean Atlantis, South Africa?")

    shown_again = sign_up(client, place="Springfield", email="")  # another field's error: the place is kept
    assert "We will look for trials near Springfield, Missouri." in shown_again.text
    assert "Springfield, Massachusetts" in shown_again.text


def test_labels_point_at_the_city_they_name() -> None:
    springfield_il = look_up_place("Springfield, IL").place
    assert springfield_il is not None
    assert great_circle_km(springfield_il.latitude, springfield_il.longitude, 39.80, -89.64) < 10
