"""The patient's path through the contact form, and every way it can go wrong."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ContactRequest, OutboxEmail, Site
from tests.conftest import DEMO_TRIALS, import_files
from tests.contact.helpers import TRIAL, VALID, chosen_site, field_errors, page_form, post_contact


@pytest.fixture(autouse=True)
def trial(import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL, "NCT04267848", "NCT02210780")  # recruiting, very large, completed


def counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(ContactRequest)) or 0,
            db.session.scalar(select(func.count()).select_from(OutboxEmail)) or 0,
        )


def test_the_section_is_on_recruiting_trials_only(client: FlaskClient) -> None:
    html, _token, _site = page_form(client)
    assert "Get in touch with the nearest study center" in html
    for label in (
        "Your ZIP code or city",
        "Study site",
        "First name",
        "Last name",
        "Email",
        "Phone number",
        "Preferred language",
    ):
        assert f">{label}" in html
    assert "Please do not write medical details here" in html
    completed = client.get("/trials/NCT02210780").get_data(as_text=True)
    assert "Get in touch with the nearest study center" not in completed
    assert client.post("/trials/NCT02210780/contact", data={}).status_code in {400, 404}


def test_a_valid_request_is_stored_then_confirmed(app: Flask, client: FlaskClient) -> None:
    response = post_contact(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/trials/{TRIAL}/contact/sent")
    with app.app_context():
        request = db.session.scalar(select(ContactRequest))
        assert request is not None
        assert (request.first_name, request.last_name) == ("José", "Müller-李")
        assert request.email == "jose.muller@example.org"
        assert request.phone == "+13125550142"
        assert request.language == "es"
        assert request.status == "new"
        assert request.consent_at is not None and request.consent_version
        assert request.recipient_kind == "site_contact"
        facility, email = request.facility_name, request.email
        kinds = sorted(db.session.scalars(select(OutboxEmail.kind)))
    assert kinds == ["contact_patient", "contact_site"]

    page = client.get(response.headers["Location"]).get_data(as_text=True).replace("&#39;", "'")
    assert f"We sent your details to the study team at {facility}." in page
    assert f"We are also emailing you a copy at {email}." in page
    assert "{{" not in page and "What happens next" in page
    assert "Would you like to be notified about other trials?" in page


def test_a_refresh_of_the_confirmation_sends_nothing_more(app: Flask, client: FlaskClient) -> None:
    location = post_contact(client).headers["Location"]
    for _ in range(3):
        assert client.get(location).status_code == 200
    assert counts(app) == (1, 2)


def test_the_confirmation_is_only_for_the_browser_that_sent(app: Flask, client: FlaskClient) -> None:
    location = post_contact(client).headers["Location"]
    other = app.test_client()
    response = other.get(location)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/trials/{TRIAL}")


def test_the_same_person_again_within_a_day_creates_no_second_request(app: Flask, client: FlaskClient) -> None:
    first = post_contact(client)
    second = post_contact(client, email="JOSE.MULLER@example.org")
    assert first.status_code == second.status_code == 302
    assert counts(app) == (1, 2)
    assert "We sent your details to the study team at" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_a_correction_within_a_day_is_a_new_request(app: Flask, client: FlaskClient) -> None:
    post_contact(client, phone="(312) 555-0142")
    assert post_contact(client, phone="(312) 555-0199").status_code == 302
    assert counts(app) == (2, 4)  # the site hears about the corrected number


def test_internationalised_addresses(app: Flask, client: FlaskClient) -> None:
    refused = post_contact(client, email="jörg@example.de")
    assert refused.status_code == 422
    assert "Please enter a valid email address" in field_errors(refused.get_data(as_text=True))["email"]
    assert post_contact(client, email="ana@bücher.example").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ContactRequest.email)) == "ana@xn--bcher-kva.example"


def test_a_trial_that_is_not_open_takes_no_requests_even_with_a_recruiting_site(
    client: FlaskClient, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT01100827")  # status unknown for years, one site still marked recruiting
    assert "Get in touch with the nearest study center" not in client.get("/trials/NCT01100827").get_data(as_text=True)
    _html, token, _site = page_form(client)
    assert client.post("/trials/NCT01100827/contact", data={"csrf_token": token, "action": "send"}).status_code == 404


def test_the_confirmation_is_shown_for_a_while_only(app: Flask, client: FlaskClient) -> None:
    location = post_contact(client).headers["Location"]
    assert client.get(location).status_code == 200
    with client.session_transaction() as session:
        session["contact_sent"] = {**session["contact_sent"], "at": session["contact_sent"]["at"] - 3600}
    later = client.get(location)
    assert later.status_code == 302 and later.headers["Location"].endswith(f"/trials/{TRIAL}")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "Please enter your first name."),
        ("first_name", "   ", "Please enter your first name."),
        ("last_name", "", "Please enter your last name."),
        ("first_name", "Ann\r\nBcc: spam@example.org", "Please remove line breaks"),
        ("last_name", "Smith\x00", "Please remove line breaks"),
        ("first_name", "x" * 101, "Field cannot be longer than 100 characters."),
        ("email", "", "Please enter your email address."),
        ("email", "not-an-email", "Please enter a valid email address"),
        ("email", "a@b", "Please enter a valid email address"),
        ("email", "ann@example.org\nBcc: x@example.org", "Please remove line breaks"),
        ("phone", "", "Please enter your phone number."),
        ("phone", "12", "This phone number does not look right"),
        ("phone", "+44 20 7946 09", "This phone number does not look right"),
        ("phone", "call me", "Please enter a phone number we can call"),
        ("language", "xx", "Please choose a language from the list."),
        ("message", "hello\x1b[31m", "Please remove special characters from your message."),
        ("message", "x" * 1001, "Field cannot be longer than 1000 characters."),
        ("consent", None, "Please tick this box"),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_changes_nothing(
    app: Flask, client: FlaskClient, field: str, value: str | None, message: str
) -> None:
    response = post_contact(client, **{field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = field_errors(html)
    assert message in errors.get(field, ""), errors
    assert 'class="error-summary"' in html
    # The other values are kept.
    if field != "last_name":
        assert 'value="Müller-李"' in html
    if field != "email":
        assert 'value="jose.muller@example.org"' in html
    assert counts(app) == (0, 0)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("José", "Müller"),
        ("李", "小龙"),
        ("Σωκράτης", "Παπαδόπουλος"),
        ("Nguyễn", "Thị Minh"),
        ("Æsa", "O'Brien-Núñez"),
    ],
)
def test_names_in_any_script_are_welcome(app: Flask, client: FlaskClient, first: str, last: str) -> None:
    assert post_contact(client, first_name=first, last_name=last).status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(ContactRequest))
        assert stored is not None and (stored.first_name, stored.last_name) == (first, last)


def test_international_numbers_are_accepted(app: Flask, client: FlaskClient) -> None:
    assert post_contact(client, phone="+44 20 7946 0958").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ContactRequest.phone)) == "+442079460958"


def test_a_site_that_is_not_recruiting_or_of_another_trial_cannot_be_chosen(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        closed = db.session.scalar(select(Site.id).where(Site.status != "RECRUITING").limit(1))
        other_trial_site = db.session.scalar(
            select(Site.id).where(Site.status == "RECRUITING", Site.trial.has(nct_id="NCT04267848")).limit(1)
        )
    for site_id in (str(closed), str(other_trial_site), "999999", "abc"):
        response = post_contact(client, site=site_id)
        assert response.status_code == 422
        assert "Please choose a study site that is recruiting." in field_errors(response.get_data(as_text=True))["site"]
    assert counts(app) == (0, 0)


def test_the_site_select_starts_on_choose_a_study_site(client: FlaskClient) -> None:
    html, _token, _site = page_form(client)
    select = html.split('<select id="site" name="site">', 1)[1]
    assert select.lstrip().startswith('<option value="" selected>Choose a study site</option>')
    assert chosen_site(html) is None  # not the alphabetically first of the 33 sites
    assert '" selected>' not in select.split("</select>", 1)[0].replace('<option value="" selected>', "")


@pytest.mark.parametrize("site", ["", None])
def test_without_a_site_the_form_comes_back_with_the_error_beside_it(
    app: Flask, client: FlaskClient, site: str | None
) -> None:
    response = post_contact(client, site=site, place="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html) == {"site": "Please choose a study site."}  # only that: the US number is understood
    assert '<a href="#site">Please choose a study site.</a>' in html  # the summary the page's script focuses
    assert 'aria-invalid="true" aria-describedby="site-error"' in html
    assert chosen_site(html) is None
    for kept in ('value="José"', 'value="Müller-李"', 'value="jose.muller@example.org"', 'value="(312) 555-0142"'):
        assert kept in html
    assert "Evenings are best." in html
    assert counts(app) == (0, 0)


def test_a_place_is_no_reason_to_pick_a_site_whose_distance_is_unknown(client: FlaskClient, tmp_path: Path) -> None:
    data = json.loads((DEMO_TRIALS / "NCT06667843.json").read_text())  # two recruiting sites in Norway
    study = data["studies"][0] if "studies" in data else data
    for location in study["protocolSection"]["contactsLocationsModule"]["locations"]:
        location.pop("geoPoint", None)  # the registry gave no coordinates
    (tmp_path / "study.json").write_text(json.dumps(study))
    import_files(client.application, tmp_path / "study.json")
    _html, token, _site = page_form(client, "NCT06667843")
    html = client.post(
        "/trials/NCT06667843/contact", data={"csrf_token": token, "action": "locate", "place": "Trondheim, Norway"}
    ).get_data(as_text=True)
    assert "Sites nearest to Trondheim" in html
    assert chosen_site(html) is None


def test_a_trial_with_one_recruiting_site_starts_on_it(client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT05821933")  # recruiting at one site only: there is nothing to guess
    html = client.get("/trials/NCT05821933").get_data(as_text=True)
    assert chosen_site(html) == "Cancer Hospital Chinese Academy of Medical Sciences, Beijing"


def test_the_honeypot_stores_nothing(app: Flask, client: FlaskClient) -> None:
    assert post_contact(client, website="http://spam.example").status_code == 400
    assert counts(app) == (0, 0)


def test_csrf_is_enforced_and_the_form_comes_back_with_its_values(app: Flask, client: FlaskClient) -> None:
    _html, _token, site = page_form(client)
    response = client.post(f"/trials/{TRIAL}/contact", data={**VALID, "site": site, "csrf_token": "forged"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please check it and send it again" in html
    assert 'value="jose.muller@example.org"' in html
    assert re.search(r'name="csrf_token" value="[^"]{20,}"', html)
    assert counts(app) == (0, 0)


def test_finding_the_nearest_site_reorders_on_the_server(client: FlaskClient) -> None:
    _html, token, _site = page_form(client)
    response = client.post(
        f"/trials/{TRIAL}/contact",
        data={"csrf_token": token, "action": "locate", "place": "90210", "site": "", "first_name": "Ann"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]+)</option>', html)
    distances = [int(m) for m in re.findall(r"\((\d+) miles?\)", " ".join(label for _, _, label in options))]
    assert distances == sorted(distances) and distances[0] < 20
    assert options[0][1] == " selected"  # the nearest is preselected
    assert [selected for _, selected, _ in options].count(" selected") == 1
    assert "Sites nearest to Beverly Hills, CA 90210 come first." in html
    assert 'value="Ann"' in html
    assert field_errors(html) == {}


def test_the_browser_location_reorders_too(client: FlaskClient) -> None:
    _html, token, _site = page_form(client)
    html = client.post(
        f"/trials/{TRIAL}/contact",
        data={"csrf_token": token, "action": "locate", "latitude": "41.88", "longitude": "-87.63", "site": ""},
    ).get_data(as_text=True)
    labels = re.findall(r'<option value="\d+"(?: selected)?>([^<]+)</option>', html)
    assert chosen_site(html) == labels[0] and "miles)" in labels[0]  # the nearest to Chicago


def test_an_unknown_place_says_so(client: FlaskClient) -> None:
    _html, token, _site = page_form(client)
    response = client.post(
        f"/trials/{TRIAL}/contact", data={"csrf_token": token, "action": "locate", "place": "Xyzzyville", "site": ""}
    )
    assert response.status_code == 200
    assert "We could not find that place" in field_errors(response.get_data(as_text=True))["place"]
    assert chosen_site(response.get_data(as_text=True)) is None  # no place, no guess


def test_a_big_trials_select_offers_the_nearest_recruiting_sites_and_the_way_to_any_other(client: FlaskClient) -> None:
    """1,148 sites: the select offers the 20 recruiting sites nearest to the place given, not 659 options plus 50
    that cannot be chosen; the hint says how to reach any other site (its region's page under Locations)."""
    html, token, site = page_form(client, "NCT04267848")
    select_html = html.split('<select id="site"', 1)[1].split("</select>", 1)[0]
    assert len(re.findall(r'<option value="\d+"', select_html)) == 20
    assert "The list shows 20 of the 659 recruiting sites." in html
    assert "find it by its region under Locations" in html
    assert "<option disabled>" not in html and "659 are recruiting." in html
    html = client.post(
        "/trials/NCT04267848/contact",
        data={"csrf_token": token, "action": "locate", "place": "Hagatna, Guam", "site": ""},
    ).get_data(as_text=True)
    open_group = html.split('<optgroup label="Recruiting now">', 1)[1].split("</optgroup>", 1)[0]
    labels = re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", open_group)
    assert len(labels) == 20
    distances = [int(re.search(r"\((\d[\d,]*) miles\)$", label).group(1).replace(",", "")) for label in labels]  # type: ignore[union-attr]
    assert distances == sorted(distances)  # nearest first
    assert "The list shows the 20 recruiting sites nearest to you, of 659." in html
    assert "Not recruiting now (cannot be chosen)" not in html


def test_sites_without_coordinates_come_last_and_closed_ones_cannot_be_chosen(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    """A trial of up to 100 sites offers all of them: recruiting ones by distance, those without coordinates after,
    and the others shown but not selectable."""
    record = json.loads((DEMO_TRIALS / f"{TRIAL}.json").read_text())
    locations = record["protocolSection"]["contactsLocationsModule"]["locations"]
    for location in locations[:3]:
        location.pop("geoPoint", None)
    (tmp_path / "study.json").write_text(json.dumps(record))
    import_files(app, tmp_path / "study.json")
    html, token, _site = page_form(client)
    html = client.post(
        f"/trials/{TRIAL}/contact", data={"csrf_token": token, "action": "locate", "place": "Chicago, IL", "site": ""}
    ).get_data(as_text=True)
    open_group = html.split('<optgroup label="Recruiting now">', 1)[1].split("</optgroup>", 1)[0]
    labels = re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", open_group)
    with_distance = [label for label in labels if re.search(r"\(\d[\d,]* (miles?|km)\)$", label)]
    assert len(labels) == 30
    assert labels[: len(with_distance)] == with_distance  # every site with a distance comes before any without
    assert len(with_distance) < len(labels)
    closed_group = html.split("Not recruiting now (cannot be chosen)", 1)[1].split("</optgroup>", 1)[0]
    assert closed_group.count("<option disabled>") == 3


def test_unknown_trials_and_bad_ids_get_404(client: FlaskClient) -> None:
    _html, token, _site = page_form(client)
    assert client.post("/trials/NCT99999999/contact", data={"csrf_token": token}).status_code == 404


def test_the_consent_says_who_else_may_receive_the_details(client: FlaskClient) -> None:
    """The request can go to the study's main contact or to our team when a site has no address: the consent says so
    before the patient agrees, not only afterwards."""
    html, _token, _site = page_form(client)
    label = re.search(r'<label for="consent">(.*?)</label>', html, re.S)
    assert label is not None
    assert "the study team at the site I chose" in label.group(1)
    assert "the study's main contact or to this website's team, who pass them on" in label.group(1)
