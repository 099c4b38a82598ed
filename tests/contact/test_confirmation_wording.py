"""The confirmation page and the patient's copy say where the request really went, and never more."""

from __future__ import annotations

import gzip
import html as html_lib
import json
from email.message import Message
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.mail.outbox import deliver_due
from tests.conftest import CTGOV_BULK, DEMO_TRIALS, SmtpServer, import_files
from tests.contact.helpers import chosen_site, page_form, post_contact, stored_request

PATIENT = "jose.muller@example.org"  # tests.contact.helpers.VALID
# What the page and the copy said before, whoever got the request.
OVERSTATED = ("submitted the contact information", "to the research team at")


def record(nct_id: str) -> dict:  # type: ignore[type-arg]
    data = json.loads((DEMO_TRIALS / f"{nct_id}.json").read_text())
    return data["studies"][0] if "studies" in data else data


def bulk_record(file: str, nct_id: str) -> dict:  # type: ignore[type-arg]
    with gzip.open(CTGOV_BULK / file) as handle:
        data = json.load(handle)
    studies = data if isinstance(data, list) else data.get("studies", [data])
    return next(s for s in studies if s["protocolSection"]["identificationModule"]["nctId"] == nct_id)


def import_study(app: Flask, tmp_path: Path, study: dict) -> None:  # type: ignore[type-arg]
    path = tmp_path / "study.json"
    path.write_text(json.dumps(study))
    assert import_files(app, path).failed == 0


def send_and_deliver(app: Flask, client: FlaskClient, server: SmtpServer, nct_id: str) -> tuple[str, Message, Message]:
    """(confirmation page, the patient's copy, the email to the recipients), after the outbox delivered over SMTP."""
    response = post_contact(client, nct_id, phone="+1 312 555 0142")
    assert response.status_code == 302, response.get_data(as_text=True)
    page = html_lib.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    with app.app_context():
        deliver_due(db.session)
        db.session.remove()
    patient = next(m for m in server.messages if m["To"] == PATIENT)
    site = next(m for m in server.messages if m["To"] != PATIENT)
    return page, patient, site


def bodies(message: Message) -> str:
    """The plain and the HTML body, as a reader sees them."""
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return text + "\n" + html_lib.unescape(html)


def test_no_address_anywhere_says_we_will_phone_the_site(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT06388018")  # one recruiting site; its contact and investigator have a phone, no email
    page, patient, site = send_and_deliver(app, client, smtp_server, "NCT06388018")
    assert stored_request(app).recipient_kind == "portal_team"
    assert site["To"] == app.config["PORTAL_TEAM_EMAIL"]

    told = (
        "ClinicalTrials.gov lists no email address for Women and Infants Hospital, so we could not send your details "
        "to the site. Our team will phone the site and pass on your details. We will email you if we cannot reach "
        "them."
    )
    assert "<h1>We have your details</h1>" in page
    assert told in page
    assert "Once the site has your details, someone from the study team will call or email you." in page
    assert patient["Subject"].strip() == "We will phone Women and Infants Hospital to pass on your request"
    copy = bodies(patient)
    assert copy.count(told) == 2  # in the plain and the HTML part
    for text in (page, copy, patient["Subject"]):
        for phrase in (*OVERSTATED, "sent your details to the study team", "Your details were sent"):
            assert phrase not in text
    # The promise to the patient is in the portal team's instructions too.
    assert "If you cannot reach the site, reply to this email to tell them." in bodies(site)
    assert site["Reply-To"] == PATIENT


def test_the_central_contact_is_not_called_the_site(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT05631392")  # one recruiting site with no email; the trial's central contact has one
    page, patient, site = send_and_deliver(app, client, smtp_server, "NCT05631392")
    assert stored_request(app).recipient_kind == "central_contact"
    assert site["To"] == "karen.robson@invibio.com"

    told = (
        "ClinicalTrials.gov lists no email address for Bg Klinikum Bergmannstrost Halle. So we sent your details to "
        "the main contact for the whole study, and asked them to pass your details on to the team at Bg Klinikum "
        "Bergmannstrost Halle."
    )
    assert told in page
    assert bodies(patient).count(told) == 2
    assert patient["Subject"].strip() == "Your request was sent to the main contact for the study"
    for text in (page, bodies(patient), patient["Subject"]):
        for phrase in (*OVERSTATED, "sent your details to the study team", "to the study team at"):
            assert phrase not in text
    assert "Please pass this request on to the study team at the site below" in bodies(site)


def test_a_site_address_names_the_site(app: Flask, client: FlaskClient, smtp_server: SmtpServer, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT05821933")  # one recruiting site whose contact has an email
    page, patient, site = send_and_deliver(app, client, smtp_server, "NCT05821933")
    request = stored_request(app)
    assert request.recipient_kind == "site_contact"
    assert site["To"] == request.recipients[0] != app.config["PORTAL_TEAM_EMAIL"]

    told = "We sent your details to the study team at Cancer Hospital Chinese Academy of Medical Sciences."
    assert "<h1>Your details were sent</h1>" in page
    assert told in page and bodies(patient).count(told) == 2
    assert f"We are also emailing you a copy at {PATIENT}." in page
    assert "Someone from the study team should call or email you." in page
    assert "working days" not in page  # no promise of a time the portal cannot keep
    assert patient["Subject"].strip() == (
        "Your request was sent to the study team at Cancer Hospital Chinese Academy of Medical Sciences"
    )
    for text in (page, bodies(patient)):
        for phrase in (*OVERSTATED, "phone the site", "main contact"):
            assert phrase not in text


def test_the_investigator_is_named_as_such(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    study = record("NCT06388018")
    site_contacts = study["protocolSection"]["contactsLocationsModule"]["locations"][0]["contacts"]
    investigator = next(c for c in site_contacts if c["role"] == "PRINCIPAL_INVESTIGATOR")
    investigator["email"] = "m.oliver@hospital.example.org"  # the only address the site lists
    import_study(app, tmp_path, study)
    page, patient, site = send_and_deliver(app, client, smtp_server, "NCT06388018")
    assert stored_request(app).recipient_kind == "investigator"
    assert site["To"] == "m.oliver@hospital.example.org"

    told = "We sent your details to the researcher who leads the study at Women and Infants Hospital."
    assert told in page and bodies(patient).count(told) == 2
    assert patient["Subject"].strip() == "Your request was sent to the lead researcher at Women and Infants Hospital"
    for text in (page, bodies(patient)):
        for phrase in (*OVERSTATED, "phone the site"):
            assert phrase not in text


def test_a_facility_name_the_registry_html_encoded_reads_as_written(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    # A real record whose facility arrived as "Children&#39;s Wisconsin - Milwaukee Hospital"; opened here, with
    # that site recruiting, so it can be chosen.
    study = bulk_record("dgg32__graph_bigquery__ctg-studies.json.gz", "NCT05521087")
    study["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    locations = study["protocolSection"]["contactsLocationsModule"]["locations"]
    milwaukee = next(location for location in locations if location["city"] == "Milwaukee")
    assert milwaukee["facility"] == "Children&#39;s Wisconsin - Milwaukee Hospital"
    milwaukee["status"] = "RECRUITING"
    import_study(app, tmp_path, study)
    name = "Children's Wisconsin - Milwaukee Hospital"

    form, _token, _site = page_form(client, "NCT05521087")
    assert html_lib.unescape(chosen_site(form) or "") == f"{name}, Milwaukee"  # the one recruiting site
    assert "&amp;#39;" not in form

    page, patient, site = send_and_deliver(app, client, smtp_server, "NCT05521087")
    assert f"ClinicalTrials.gov lists no email address for {name}." in page
    assert name in bodies(patient) and name in bodies(site)
    assert name in site["Subject"]
    for text in (page, bodies(patient), bodies(site), site["Subject"]):
        assert "&#39;" not in text
    assert "&amp;#39;" not in patient.get_body(("html",)).get_content()  # type: ignore[union-attr]


def test_the_confirmation_invites_to_trial_alerts_in_plain_words(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT05821933")
    page, _patient, _site = send_and_deliver(app, client, smtp_server, "NCT05821933")
    assert "Sign up for trial alerts and we will email you" in page
    assert "Patient Notification Services" not in page
