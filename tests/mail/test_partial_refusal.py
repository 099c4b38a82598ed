"""A server that takes a message for some recipients and refuses others: recorded, shown, retried for those only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update

from portal.extensions import db
from portal.mail.outbox import add_email, deliver_due
from portal.mail.rendering import RenderedEmail
from portal.models import OutboxEmail, Site
from portal.models.base import utcnow
from tests.conftest import SmtpServer
from tests.contact.helpers import TRIAL, post_contact
from tests.staff import make_user, sign_in

TEAM_A, TEAM_B = "team-a@hospital.example.org", "team-b@hospital.example.org"
ADMIN = "ops@example.org"


@pytest.fixture
def two_recipients(app: Flask, runner: FlaskCliRunner, client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    """A patient's request to a site whose requests go to two team members."""
    import_demo(TRIAL)
    with app.app_context():
        site_id, facility = db.session.execute(select(Site.id, Site.facility).limit(1)).one()
    result = runner.invoke(args=["sites", "set-recipients", TRIAL, facility, TEAM_A, TEAM_B])
    assert result.exit_code == 0, result.output
    assert post_contact(client, TRIAL, site=str(site_id)).status_code == 302


def deliver(app: Flask) -> list[str]:
    with app.app_context():
        outcomes = deliver_due(db.session)
        db.session.remove()
    return sorted(o.status for o in outcomes)


def site_email(app: Flask) -> OutboxEmail:
    with app.app_context():
        row = db.session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "contact_site"))
        assert row is not None
        db.session.expunge(row)
    return row


def make_due(app: Flask) -> None:
    with app.app_context():
        db.session.execute(update(OutboxEmail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def deliveries_to(smtp_server: SmtpServer, address: str) -> int:
    return sum(address in recipients for _sender, recipients in smtp_server.handler.envelopes)


def test_a_refused_team_member_is_recorded_shown_and_sent_to_alone_on_retry(
    app: Flask, runner: FlaskCliRunner, smtp_server: SmtpServer, two_recipients: None
) -> None:
    smtp_server.handler.refuse[TEAM_B] = "550 5.1.1 No such user"
    assert deliver(app) == ["partial", "sent"]  # the patient's confirmation, and the site's email
    row = site_email(app)
    assert row.status == "partial" and row.sent_at is not None
    assert row.refused_recipients == {TEAM_B: "550 5.1.1 No such user"}
    assert row.last_error == "refused: 1 of 2 recipients, SMTP [550]"
    assert deliveries_to(smtp_server, TEAM_A) == 1 and deliveries_to(smtp_server, TEAM_B) == 0

    # The operator's terminal: counted and listed, with the codes but no address.
    status = runner.invoke(args=["outbox", "status"]).output
    assert "partial  1" in status and "sent     1" in status and "failed   0" in status
    assert f"partly sent #{row.id} contact_site, 1 attempts, last error: refused: 1 of 2 recipients" in status
    assert "https://trials.example.org/admin/outbox" in status
    assert "hospital.example.org" not in status and "jose" not in status.lower()

    # The admin page, behind sign-in: which address was refused, and what the server said.
    admin = app.test_client()
    make_user(app, ADMIN, role="admin")
    sign_in(admin, ADMIN)
    assert "partly sent: 1, failed: 0" in admin.get("/admin/").get_data(as_text=True)
    html = admin.get("/admin/outbox").get_data(as_text=True)
    assert "Partly sent: 1." in html and "partly sent" in html
    assert f"{TEAM_B}: 550 5.1.1 No such user" in html
    assert TEAM_A not in html  # only the recipients who need the operator

    # The address is fixed on the server's side; sending again reaches the refused member, and only them.
    del smtp_server.handler.refuse[TEAM_B]
    assert "1 failed or partly sent messages queued again." in runner.invoke(args=["outbox", "retry"]).output
    assert deliver(app) == ["sent"]
    assert deliveries_to(smtp_server, TEAM_A) == 1 and deliveries_to(smtp_server, TEAM_B) == 1
    retried = site_email(app)
    assert retried.status == "sent" and retried.refused_recipients is None and retried.last_error is None
    copies = [m for m in smtp_server.messages if m["Message-ID"] == row.message_id]
    assert len(copies) == 2 and all(TEAM_A in m["To"] and TEAM_B in m["To"] for m in copies)  # one message


def test_a_temporary_refusal_of_one_recipient_is_retried_for_that_recipient_only(
    app: Flask, smtp_server: SmtpServer, two_recipients: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_DELAYS", (30, 60))
    smtp_server.handler.refuse[TEAM_B] = "450 4.2.1 Mailbox busy, try later"
    assert deliver(app) == ["pending", "sent"]
    row = site_email(app)
    assert row.refused_recipients == {TEAM_B: "450 4.2.1 Mailbox busy, try later"}
    assert row.next_attempt_at > utcnow() + timedelta(seconds=20)
    assert deliver(app) == []  # the backoff holds for the refused recipient too

    make_due(app)
    assert deliver(app) == ["pending"]  # refused again, one retry left
    assert deliveries_to(smtp_server, TEAM_A) == 1 and deliveries_to(smtp_server, TEAM_B) == 0
    del smtp_server.handler.refuse[TEAM_B]
    make_due(app)
    assert deliver(app) == ["sent"]
    assert deliveries_to(smtp_server, TEAM_A) == 1 and deliveries_to(smtp_server, TEAM_B) == 1
    assert site_email(app).refused_recipients is None


def test_a_recipient_refused_until_the_last_delay_leaves_the_message_partly_sent_not_failed(
    app: Flask, smtp_server: SmtpServer, two_recipients: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_DELAYS", (30,))
    smtp_server.handler.refuse[TEAM_B] = "452 4.2.2 Mailbox full"
    assert deliver(app) == ["pending", "sent"]
    make_due(app)
    assert deliver(app) == ["partial"]  # the server refused every recipient this time: the ones still waiting
    row = site_email(app)
    assert row.refused_recipients == {TEAM_B: "452 4.2.2 Mailbox full"}
    assert row.last_error == "refused: 1 of 2 recipients, SMTP [452]"
    assert deliveries_to(smtp_server, TEAM_A) == 1


def test_a_server_that_hangs_up_during_a_retry_forgets_none_of_the_recipients_still_waiting(
    app: Flask, smtp_server: SmtpServer
) -> None:
    team = ["a@hospital.example.org", "b@hospital.example.org", "c@hospital.example.org"]
    with app.app_context():
        add_email(db.session, kind="contact_site", recipients=team, email=RenderedEmail("Request", "Hi", "<p>Hi</p>"))
        db.session.commit()
    smtp_server.handler.refuse.update({team[1]: "450 4.2.1 Busy", team[2]: "450 4.2.1 Busy"})
    assert deliver(app) == ["pending"]
    smtp_server.handler.refuse[team[1]] = "421 4.3.2 Closing"  # smtplib stops there: c is not even tried
    make_due(app)
    assert deliver(app) == ["pending"]
    with app.app_context():
        row = db.session.scalar(select(OutboxEmail))
        assert row is not None and row.refused_recipients == {team[1]: "421 4.3.2 Closing", team[2]: "450 4.2.1 Busy"}
    smtp_server.handler.refuse.clear()
    make_due(app)
    assert deliver(app) == ["sent"]
    assert [deliveries_to(smtp_server, address) for address in team] == [1, 1, 1]
