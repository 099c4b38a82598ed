"""Normalising a study: missing modules are normal, wrong types are clear errors."""

from __future__ import annotations

import copy
import json

import pytest

from portal.ctgov.record import RecordError, normalise_study
from tests.conftest import DEMO_TRIALS


def load(nct_id: str) -> dict:  # type: ignore[type-arg]
    data = json.loads((DEMO_TRIALS / f"{nct_id}.json").read_text())
    return data["studies"][0] if "studies" in data else data


def test_a_full_record_maps_to_columns_sites_and_conditions() -> None:
    data = normalise_study(load("NCT04012996"))
    assert data.nct_id == "NCT04012996"
    assert data.columns["overall_status"] == "RECRUITING"
    assert data.columns["minimum_age_text"] == "18 Years"
    assert data.columns["minimum_age_minutes"] < data.columns["maximum_age_minutes"]
    assert data.conditions
    assert len(data.sites) == 33
    site = data.sites[0]
    assert site.facility and site.country
    assert all(contact.get("role") for s in data.sites for contact in s.contacts)


def test_the_status_verification_and_primary_completion_dates_are_kept_as_given() -> None:
    recruiting = normalise_study(load("NCT04600544")).columns
    assert recruiting["status_verified_date"] == "2023-10"
    assert recruiting["primary_completion_date"] == "2022-10-19"
    assert recruiting["primary_completion_date_type"] == "ACTUAL"
    suspended = normalise_study(load("NCT01213277")).columns  # a month, with no actual/estimated type
    assert (suspended["primary_completion_date"], suspended["primary_completion_date_type"]) == ("2011-05", None)
    assert normalise_study(load("NCT00410098")).columns["primary_completion_date"] is None  # not in the record


def test_a_record_without_locations_or_ages_is_normal() -> None:
    data = normalise_study(load("NCT04409171"))  # no contactsLocationsModule, no ages
    assert data.sites == []
    assert data.columns["minimum_age_minutes"] is None
    assert data.columns["maximum_age_minutes"] is None


def test_sites_without_coordinates_keep_the_rest() -> None:
    data = normalise_study(load("NCT04267848"))
    assert len(data.sites) == 1148
    without = [s for s in data.sites if s.latitude is None]
    assert len(without) == 4
    assert all(s.longitude is None and s.facility for s in without)
    assert len({s.site_key for s in data.sites}) == 1148


def test_unknown_keys_are_ignored() -> None:
    study = load("NCT06667843")
    study["somethingNew"] = {"x": 1}
    study["protocolSection"]["statusModule"]["brandNewField"] = [1, 2]
    assert normalise_study(study).nct_id == "NCT06667843"


def test_the_content_hash_changes_with_the_record() -> None:
    study = load("NCT06667843")
    changed = copy.deepcopy(study)
    changed["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    assert normalise_study(study).content_hash == normalise_study(copy.deepcopy(study)).content_hash
    assert normalise_study(study).content_hash != normalise_study(changed).content_hash


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s["protocolSection"]["identificationModule"].pop("nctId"), "nctId is missing"),
        (lambda s: s["protocolSection"]["identificationModule"].update(nctId="12345"), "not an NCT ID"),
        (lambda s: s["protocolSection"].pop("statusModule"), "overallStatus is missing"),
        (lambda s: s["protocolSection"]["conditionsModule"].update(conditions="Lupus"), "list of text"),
        (lambda s: s["protocolSection"]["eligibilityModule"].update(minimumAge="eighteen"), "minimumAge"),
        (lambda s: s["protocolSection"]["statusModule"]["startDateStruct"].update(date="soon"), "date"),
        (lambda s: s["protocolSection"].update(designModule=[]), "designModule should be an object"),
    ],
)
def test_bad_records_get_one_clear_reason(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    study = load("NCT06667843")
    mutate(study)
    with pytest.raises(RecordError, match=message):
        normalise_study(study)


def test_a_non_object_is_rejected() -> None:
    with pytest.raises(RecordError):
        normalise_study(["not", "a", "study"])
