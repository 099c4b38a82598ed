"""The server picks who receives a request, never the request itself."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from portal.extensions import db
from portal.mail.outbox import deliver_due
from portal.models import ContactRequest, OutboxEmail, Site, SiteRecipientOverride
from tests.conftest import DEMO_TRIALS, SmtpServer, import_files
from tests.contact.helpers import post_contact

TRIAL = "NCT06667843"  # recruiting, two sites in Norway


def record() -> dict:  # type: ignore[type-arg]
    data = json.loads((DEMO_TRIALS / f"{TRIAL}.json").read_text())
    return data["studies"][0] if "studies" in data else data


def import_variant(app: Flask, tmp_path: Path, site_contacts: list[dict], central: list[dict]) -> None:  # type: ignore[type-arg]
    study = record()
    module = study["protocolSection"]["contactsLocationsModule"]
    for location in module["locations"]:
        location["status"] = "RECRUITING"
        location["contacts"] = site_contacts
    module["centralContacts"] = central
    path = tmp_path / "variant.json"
    path.write_text(json.dumps(study))
    import_files(app, path)


def sent_to(app: Flask) -> tuple[list[str], bool, str]:
    with app.app_context():
        request = db.session.scalar(select(ContactRequest))
        site_mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "contact_site"))
        assert request is not None and site_mail is not None
        return list(site_mail.recipients), request.needs_phone_call, site_mail.subject


def test_the_site_contact_comes_before_the_investigator(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    import_variant(
        app,
        tmp_path,
        [
            {"name": "Dr PI", "role": "PRINCIPAL_INVESTIGATOR", "email": "pi@site.example.org"},
            {"name": "Coordinator", "role": "CONTACT", "email": "coordinator@site.example.org"},
        ],
        [{"name": "Central", "role": "CONTACT", "email": "central@sponsor.example.org"}],
    )
    assert post_contact(client, TRIAL, phone="+47 22 12 34 56").status_code == 302
    assert sent_to(app)[:2] == (["coordinator@site.example.org"], False)


def test_the_investigator_then_the_central_contact(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    import_variant(
        app,
        tmp_path,
        [{"role": "PRINCIPAL_INVESTIGATOR", "email": "pi@site.example.org"}, {"role": "CONTACT", "name": "No email"}],
        [{"name": "Central", "role": "CONTACT", "email": "central@sponsor.example.org"}],
    )
    post_contact(client, TRIAL, phone="+47 22 12 34 56")
    assert sent_to(app)[0] == ["pi@site.example.org"]


def test_central_contact_when_the_site_lists_no_email(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    import_variant(
        app, tmp_path, [{"role": "CONTACT", "name": "Only a name"}], [{"email": "central@sponsor.example.org"}]
    )
    post_contact(client, TRIAL, phone="+47 22 12 34 56")
    assert sent_to(app)[0] == ["central@sponsor.example.org"]


def test_no_address_at_all_goes_to_the_portal_team_marked_for_a_phone_call(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    import_variant(app, tmp_path, [], [{"name": "Phone only", "phone": "+47 22 00 00 00"}])
    response = post_contact(client, TRIAL, phone="+47 22 12 34 56")
    assert response.status_code == 302
    recipients, needs_call, subject = sent_to(app)
    assert recipients == [app.config["PORTAL_TEAM_EMAIL"]]
    assert needs_call is True
    assert "phone the site" in subject
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Our team will phone the site and pass on your details." in page
    assert "sent your details to the study team" not in page


def test_a_posted_recipient_is_ignored(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    import_variant(app, tmp_path, [{"role": "CONTACT", "email": "coordinator@site.example.org"}], [])
    post_contact(client, TRIAL, phone="+47 22 12 34 56", recipient="attacker@example.org", to="attacker@example.org")
    assert sent_to(app)[0] == ["coordinator@site.example.org"]


def test_an_operator_can_override_a_sites_recipients(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    import_variant(app, tmp_path, [{"role": "CONTACT", "email": "coordinator@site.example.org"}], [])
    with app.app_context():
        site_id, facility = db.session.execute(select(Site.id, Site.facility).limit(1)).one()
    result = runner.invoke(
        args=[
            "sites",
            "set-recipients",
            TRIAL.lower(),
            facility,
            "team-a@hospital.example.org",
            "team-b@hospital.example.org",
        ]
    )
    assert result.exit_code == 0, result.output
    assert post_contact(client, TRIAL, phone="+47 22 12 34 56", site=str(site_id)).status_code == 302
    assert sent_to(app)[0] == ["team-a@hospital.example.org", "team-b@hospital.example.org"]

    with app.app_context():
        deliver_due(db.session)
    envelopes = dict((tuple(rcpts), sender) for sender, rcpts in smtp_server.handler.envelopes)
    assert ("team-a@hospital.example.org", "team-b@hospital.example.org") in envelopes
    assert ("jose.muller@example.org",) in envelopes


def test_an_override_names_one_site_only(app: Flask, runner: FlaskCliRunner, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT04267848")
    with app.app_context():
        rows = db.session.execute(select(Site.facility, Site.city)).all()
    names = [facility for facility, _city in rows]
    facility = next(name for name in names if names.count(name) > 1)
    cities = sorted({city for name, city in rows if name == facility})
    ambiguous = runner.invoke(args=["sites", "set-recipients", "NCT04267848", facility, "a@example.org"])
    assert ambiguous.exit_code != 0 and "say which with --city" in ambiguous.output
    chosen = runner.invoke(
        args=["sites", "set-recipients", "NCT04267848", facility, "a@example.org", "--city", cities[0]]
    )
    assert chosen.exit_code == 0, chosen.output
    with app.app_context():
        overrides = db.session.scalars(select(SiteRecipientOverride)).all()
        assert len(overrides) == 1
        assert db.session.get(Site, overrides[0].site_id).city == cities[0]


def test_override_mistakes_are_clear(runner: FlaskCliRunner, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    bad_email = runner.invoke(args=["sites", "set-recipients", TRIAL, "Anything", "not-an-email"])
    assert bad_email.exit_code != 0 and "not a valid email address" in bad_email.output
    no_site = runner.invoke(args=["sites", "set-recipients", TRIAL, "No Such Hospital", "a@example.org"])
    assert no_site.exit_code != 0 and "has no site called" in no_site.output
    no_trial = runner.invoke(args=["sites", "set-recipients", "NCT00000000", "X", "a@example.org"])
    assert no_trial.exit_code != 0 and "no trial" in no_trial.output


def test_an_override_follows_its_site_through_a_reimport(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, import_demo
) -> None:  # type: ignore[no-untyped-def]
    study = record()
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(study))
    import_files(app, path)
    location = study["protocolSection"]["contactsLocationsModule"]["locations"][0]
    result = runner.invoke(
        args=[
            "sites",
            "set-recipients",
            TRIAL,
            location["facility"],
            "team@hospital.example.org",
            "--city",
            location["city"],
        ]
    )
    assert result.exit_code == 0, result.output

    location["zip"] = "0001"  # the registry corrects the address: the site gets a new key
    study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2031-01-01"
    path.write_text(json.dumps(study))
    import_files(app, path)

    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.zip == "0001"))
        assert site is not None
        override = db.session.scalar(select(SiteRecipientOverride))
        assert override is not None and override.site_id == site.id
        assert override.emails == ["team@hospital.example.org"]
