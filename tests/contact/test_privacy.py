"""Patient data stays out of the logs, through submission, delivery and failure."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.mail.outbox import deliver_due
from tests.conftest import SmtpServer
from tests.contact.helpers import TRIAL, post_contact, stored_request

SECRETS = ("Zebulon", "Quackenbush", "zebulon.q@example.org", "5550142", "555-0142", "Evenings")


def test_no_personal_data_in_the_logs(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, import_demo, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    caplog.set_level(logging.DEBUG)
    response = post_contact(client, first_name="Zebulon", last_name="Quackenbush", email="zebulon.q@example.org")
    assert response.status_code == 302
    for address in stored_request(app).recipients:
        smtp_server.handler.refuse[address] = "550 No such user"
    post_contact(client, first_name="Zebulon", email="not an email")  # a rejected form
    with app.app_context():
        deliver_due(db.session)
    assert len(smtp_server.messages) == 1  # the patient's copy; the site's address was refused
    # aiosmtpd's own "mail.log" is the test mail server talking, not the portal.
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert "refused" in logged or "failed" in logged  # something was logged ...
    for secret in SECRETS:
        assert secret not in logged  # ... but nothing about the person
