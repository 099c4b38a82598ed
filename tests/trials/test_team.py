"""The study team: central contacts and officials as the record names them, and when they are the way in."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask

from portal.ctgov.record import normalise_study
from portal.models import Trial
from portal.trials.team import Person, study_team
from tests.conftest import DEMO_TRIALS


@pytest.fixture(autouse=True)
def request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


def trial(nct_id: str) -> Trial:
    data = json.loads((DEMO_TRIALS / f"{nct_id}.json").read_text())
    study = data["studies"][0] if "studies" in data else data
    return Trial(**normalise_study(study).columns)


def person(**fields: str | None) -> Person:
    values: dict[str, str | None] = dict.fromkeys(("name", "role", "affiliation", "phone", "phone_ext", "email"))
    values.update(fields)
    return Person(**values)  # type: ignore[arg-type]


def test_contacts_and_officials_come_from_the_record() -> None:
    team = study_team(trial("NCT04012996"), has_contact_form=True)
    assert [(p.name, p.role, p.phone, p.email) for p in team.contacts] == [
        ("James Kuras", "Study contact", "484.887.8873", "j.kuras@centinelspine.com"),
        ("Megan Jensen", "Study contact", None, "m.jensen@centinelspine.com"),
    ]
    assert [(p.name, p.role, p.affiliation) for p in team.officials] == [
        ("James Kuras", "Study director", "Centinel Spine")
    ]
    assert not team.reach_out  # it has a contact form


def test_an_open_trial_without_a_form_sends_people_to_its_central_contacts() -> None:
    # NCT06609317: not yet recruiting, no sites listed, one central contact.
    team = study_team(trial("NCT06609317"), has_contact_form=False)
    assert team.reach_out
    assert team.contacts[0].name == "Katie Propst, MD"
    # A closed trial never invites contact, nor does one with the form.
    closed = trial("NCT06609317")
    closed.overall_status = "COMPLETED"
    assert not study_team(closed, has_contact_form=False).reach_out
    assert not study_team(trial("NCT06609317"), has_contact_form=True).reach_out


def test_the_extension_is_kept_as_the_record_gives_it() -> None:
    # NCT06171568 gives "+33" as the "extension" of a French number: shown as given, not reinterpreted.
    contact = study_team(trial("NCT06171568"), has_contact_form=False).contacts[0]
    assert (contact.phone, contact.phone_ext) == ("01.49.95.81.69", "+33")
    assert contact.phone_href == "tel:0149958169"


@pytest.mark.parametrize(
    ("phone", "href"),
    [
        ("484.887.8873", "tel:4848878873"),
        ("+49 551-39-62362", "tel:+495513962362"),
        ("（021）6877 3638", "tel:02168773638"),
        ("1-877-CTLILLY", None),
        ("E-mail only", None),
        ("123", None),
    ],
)
def test_phone_links(phone: str, href: str | None) -> None:
    assert person(phone=phone).phone_href == href


@pytest.mark.parametrize(
    ("email", "href"),
    [
        ("j.kuras@centinelspine.com", "mailto:j.kuras@centinelspine.com"),
        ("info[@]sensydia.com", None),
        ("a@b.org?subject=x", None),
        ("someone@example.org, other@example.org", None),
    ],
)
def test_only_a_plain_address_becomes_a_mailto_link(email: str, href: str | None) -> None:
    assert person(email=email).email_href == href


def test_unknown_roles_are_readable_and_empty_entries_are_dropped() -> None:
    record = trial("NCT04012996")
    record.overall_officials = [{"name": "Ada Lovelace", "role": "STUDY_STATISTICIAN"}, {}, "not a person"]  # type: ignore[list-item]
    record.central_contacts = []
    team = study_team(record, has_contact_form=False)
    assert [(p.name, p.role) for p in team.officials] == [("Ada Lovelace", "Study statistician")]
    assert team.contacts == () and not team.reach_out
