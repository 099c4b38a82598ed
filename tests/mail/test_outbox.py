"""Mail through the outbox to a real SMTP server: content, outages, permanent failures, retries."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update

from portal.extensions import db
from portal.mail.outbox import add_email, build_message, claim, claim_due, deliver_due, send_claimed
from portal.mail.rendering import RenderedEmail
from portal.mail.smtp import send_bytes
from portal.models import OutboxEmail
from portal.models.base import utcnow
from tests.conftest import ALLOWED_SMTP_PORTS, SmtpServer, free_port, use_smtp_server
from tests.contact.helpers import TRIAL, post_contact, stored_request
from tests.processes import wait_until


@pytest.fixture(autouse=True)
def trial(import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)


def deliver(app: Flask) -> list[str]:
    with app.app_context():
        outcomes = deliver_due(db.session)
        db.session.remove()
    return [o.status for o in outcomes]


def rows(app: Flask) -> dict[str, OutboxEmail]:
    with app.app_context():
        found = {row.kind: row for row in db.session.scalars(select(OutboxEmail))}
        db.session.expunge_all()
    return found


def all_sent(app: Flask) -> bool:
    return {r.status for r in rows(app).values()} == {"sent"}


def make_due(app: Flask) -> None:
    with app.app_context():
        db.session.execute(update(OutboxEmail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def test_both_emails_arrive_with_the_right_headers_and_utf8_names(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    assert post_contact(client, first_name="José", last_name="Müller-李").status_code == 302
    assert smtp_server.messages == []  # nothing is sent inside the request

    assert sorted(deliver(app)) == ["sent", "sent"]

    request = stored_request(app)
    received = [(m["To"], m["Subject"]) for m in smtp_server.messages]
    assert len(received) == 2, received
    patient = next((m for m in smtp_server.messages if m["To"] == "jose.muller@example.org"), None)
    assert patient is not None, received
    site = next(m for m in smtp_server.messages if m is not patient)
    assert [a.strip().lower() for a in site["To"].split(",")] == [a.lower() for a in request.recipients]
    assert site["Reply-To"] == "jose.muller@example.org"
    assert f"New contact request for NCT04012996 at {request.facility_name}" in site["Subject"]
    # Long subjects are folded on the wire; a reader's client shows them on one line.
    assert patient["Subject"].strip() == f"Your request was sent to the study team at {request.facility_name}"
    for message in (site, patient):
        assert "\n" not in message["Subject"]
        assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@trials.example.org>")
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "José" in text and "Müller-李" in text
        assert "José" in html and "Müller-李" in html
        assert "{{" not in text + html and "None" not in text
    site_text = site.get_body(("plain",)).get_content()
    # A US site reads the US number in the national format; the site's email is in English, so the patient's
    # language is named in English ("Prefers Spanish").
    for expected in ("(312) 555-0142", "Spanish", "Evenings are best.", "NCT04012996"):
        assert expected in site_text
    assert request.facility_name in patient.get_body(("plain",)).get_content()
    assert "withdraw" in patient.get_body(("plain",)).get_content()


def test_a_facility_name_with_a_newline_never_breaks_the_subject(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    with app.app_context():
        from portal.models import Site

        db.session.execute(update(Site).values(facility="Bad\r\nBcc: victim@example.org Clinic"))
        db.session.commit()
    post_contact(client)
    deliver(app)
    assert len(smtp_server.messages) == 2
    for message in smtp_server.messages:
        assert message["Bcc"] is None
        assert "\n" not in message["Subject"]
    assert all("victim@example.org" not in rcpts for _sender, rcpts in smtp_server.handler.envelopes)


def test_smtp_down_delays_mail_and_loses_none(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    server = SmtpServer(free_port())
    ALLOWED_SMTP_PORTS.add(server.port)
    use_smtp_server(monkeypatch, app, server.port, timeout=2)
    try:
        response = post_contact(client)
        assert response.status_code == 302  # the patient is told it was sent: it is stored and will go
        assert deliver(app) == ["pending", "pending"]  # connection refused: retry later
        pending = rows(app)
        assert all(r.attempts == 1 and r.last_error and "Connection" in r.last_error for r in pending.values())
        assert all(r.next_attempt_at > utcnow() + timedelta(seconds=20) for r in pending.values())

        server.start()
        assert deliver(app) == []  # not due yet: backoff is respected
        make_due(app)
        assert sorted(deliver(app)) == ["sent", "sent"]
        make_due(app)
        assert deliver(app) == []  # sent rows are never sent again
        assert len(server.messages) == 2
        sent = rows(app)
        assert {r.message_id for r in sent.values()} == {r.message_id for r in pending.values()}
        assert {m["Message-ID"] for m in server.messages} == {r.message_id for r in sent.values()}
    finally:
        server.stop()
        ALLOWED_SMTP_PORTS.discard(server.port)


def test_a_permanent_refusal_fails_that_row_only(app: Flask, client: FlaskClient, smtp_server: SmtpServer) -> None:
    post_contact(client)
    for address in stored_request(app).recipients:
        smtp_server.handler.refuse[address] = "550 5.1.1 No such user"
    deliver(app)
    result = rows(app)
    assert result["contact_site"].status == "failed" and result["contact_site"].attempts == 1
    assert "550" in (result["contact_site"].last_error or "")
    assert result["contact_patient"].status == "sent"


def test_a_temporary_refusal_is_retried_until_the_last_delay_then_failed(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, runner: FlaskCliRunner
) -> None:
    smtp_server.handler.data_reply = "451 4.3.0 Try again later"
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "OUTBOX_RETRY_DELAYS", (30, 60))
        post_contact(client)
        for attempt in range(1, 4):
            make_due(app)
            deliver(app)
            states = {r.status for r in rows(app).values()}
            assert states == ({"failed"} if attempt == 3 else {"pending"}), (attempt, states)

    status = runner.invoke(args=["outbox", "status"]).output
    assert "failed   2" in status and "451" in status
    assert "jose" not in status.lower()  # no personal data in operator output

    smtp_server.handler.data_reply = None
    assert "2 failed or partly sent messages queued again." in runner.invoke(args=["outbox", "retry"]).output
    assert sorted(deliver(app)) == ["sent", "sent"]
    assert len(smtp_server.messages) == 2


def test_backoff_grows_with_jitter(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # nothing listens here
    ALLOWED_SMTP_PORTS.add(port)
    use_smtp_server(monkeypatch, app, port)
    try:
        post_contact(client)
        waits = []
        for _ in range(3):
            make_due(app)
            before = utcnow()
            deliver(app)
            waits.append(min((r.next_attempt_at - before).total_seconds() for r in rows(app).values()))
    finally:
        ALLOWED_SMTP_PORTS.discard(port)
    assert 30 * 0.8 - 1 <= waits[0] <= 30 * 1.2 + 1
    assert 120 * 0.8 - 1 <= waits[1] <= 120 * 1.2 + 1
    assert 600 * 0.8 - 1 <= waits[2] <= 600 * 1.2 + 1


def test_a_server_that_never_answers_times_out(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that accepts the connection and says nothing must not hold a sender for ever."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    port = silent.getsockname()[1]
    ALLOWED_SMTP_PORTS.add(port)
    use_smtp_server(monkeypatch, app, port, timeout=1)
    try:
        post_contact(client)
        started = time.monotonic()
        assert deliver(app) == ["pending", "pending"]
        assert time.monotonic() - started < 5
        assert all("timed out" in (r.last_error or "") for r in rows(app).values())
    finally:
        silent.close()
        ALLOWED_SMTP_PORTS.discard(port)


def test_without_redis_the_web_process_delivers_in_the_background(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(app.config, "OUTBOX_DELIVERY", "thread")
            assert post_contact(client).status_code == 302
            wait_until(lambda: len(smtp_server.messages) >= 2 and all_sent(app), timeout=10)
    finally:
        app.extensions["local_delivery"].stop()
    assert len(smtp_server.messages) == 2
    assert {r.status for r in rows(app).values()} == {"sent"}


def test_a_message_that_cannot_be_sent_as_is_ends_failed_not_stuck(app: Flask, smtp_server: SmtpServer) -> None:
    """Addresses from the registry or an operator are not all ASCII; such a row must fail, not loop for ever."""
    with app.app_context():
        for address in ("jörg@example.de", "ok@example.org"):
            add_email(db.session, kind="test", recipients=[address], email=RenderedEmail("Hello", "Hi", "<p>Hi</p>"))
        db.session.commit()
    assert sorted(deliver(app)) == ["failed", "sent"]
    with app.app_context():
        failed = db.session.scalar(select(OutboxEmail).where(OutboxEmail.status == "failed"))
        assert failed is not None and failed.attempts == 1 and "UnicodeEncodeError" in (failed.last_error or "")
    assert len(smtp_server.messages) == 1


def test_a_message_whose_worker_died_mid_send_goes_again_after_the_lease_with_the_same_message_id(
    app: Flask, smtp_server: SmtpServer
) -> None:
    with app.app_context():
        row = add_email(db.session, kind="test", recipients=["team@example.org"], email=RenderedEmail("Hi", "Hi", "Hi"))
        db.session.commit()
        email_id, message_id = row.id, row.message_id
        lease = app.config["OUTBOX_CLAIM_LEASE"]
        claimed_at = utcnow()
        dead_token = claim(db.session, email_id, now=claimed_at)
        assert dead_token is not None
        # The worker hands the message to the server, then dies before it can record that.
        row = db.session.get(OutboxEmail, email_id)
        assert row is not None
        send_bytes(app.config, row.sender, list(row.recipients), build_message(row))
        db.session.rollback()

        assert claim_due(db.session, now=claimed_at + lease - timedelta(seconds=1)) == []  # still its claim
        again = claim_due(db.session, now=claimed_at + lease + timedelta(seconds=1))
        assert [claimed_id for claimed_id, _token in again] == [email_id]
        outcome = send_claimed(db.session, email_id, again[0][1])
        assert outcome is not None and outcome.status == "sent"
        assert send_claimed(db.session, email_id, dead_token) is None  # the old claim can no longer send or record
        db.session.remove()
    # At least once, and the copy says it is one: both carry the Message-ID the row was written with.
    assert [m["Message-ID"] for m in smtp_server.messages] == [message_id, message_id]
