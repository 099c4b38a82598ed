"""Phone numbers and addresses as the people reading an email see them; what is stored and sent stays as it was."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.mail.outbox import deliver_due
from portal.mail.readable import address_for_people, phone_for_people
from tests.conftest import SmtpServer
from tests.contact.helpers import TRIAL, post_contact, stored_request


@pytest.mark.parametrize(
    ("number", "region", "shown"),
    [
        ("+13125550142", "US", "(312) 555-0142"),  # a US number read at a US site: national
        ("+13125550142", "NO", "+1 312-555-0142"),  # read in Norway: international
        ("+4722123456", "US", "+47 22 12 34 56"),
        ("+4722123456", "NO", "22 12 34 56"),
        ("+442079460958", "gb", "020 7946 0958"),
        ("+442079460958", None, "020 7946 0958"),  # no region: the number's own country
        ("+14165550123", "US", "+1 416-555-0123"),  # Canada shares +1, but is not the site's country
        ("not a number", "US", "not a number"),
        ("", "US", ""),
    ],
)
def test_phone_numbers_are_national_at_home_and_international_elsewhere(
    number: str, region: str | None, shown: str
) -> None:
    assert phone_for_people(number, region) == shown


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("jose@xn--mller-kva.example", "jose@xn--mller-kva.example (müller.example)"),
        ("a@mail.xn--fiqs8s", "a@mail.xn--fiqs8s (mail.中国)"),
        ("jose.muller@example.org", "jose.muller@example.org"),
        ("odd@xn--zz.example", "odd@xn--zz.example"),  # not valid punycode: shown as it is
    ],
)
def test_an_international_domain_is_shown_in_unicode_beside_its_ascii_form(address: str, shown: str) -> None:
    assert address_for_people(address) == shown


def test_the_site_reads_a_foreign_number_internationally_and_the_patient_reads_their_own_nationally(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)  # US sites
    assert post_contact(client, phone="+47 22 12 34 56", email="jose@müller.example").status_code == 302
    with app.app_context():
        deliver_due(db.session)
    request = stored_request(app)
    assert (request.phone, request.email) == ("+4722123456", "jose@xn--mller-kva.example")  # stored as before
    patient = next(m for m in smtp_server.messages if m["To"] == "jose@xn--mller-kva.example")
    site = next(m for m in smtp_server.messages if m is not patient)
    assert site["Reply-To"] == "jose@xn--mller-kva.example"  # headers keep the ASCII form
    shown = "jose@xn--mller-kva.example (müller.example)"
    for message, phone in ((site, "+47 22 12 34 56"), (patient, "22 12 34 56")):
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert f"Phone number: {phone}\r\n" in text
        assert f"Email: {shown}\r\n" in text
        assert re.search(rf"(>|: ){re.escape(phone)}<", html)
        assert shown in html
        assert "+4722123456" not in text
    site_html = site.get_body(("html",)).get_content()
    assert 'href="tel:+4722123456"' in site_html and 'href="mailto:jose@xn--mller-kva.example"' in site_html
