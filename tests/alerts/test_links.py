"""Links in emails: confirm by button only, manage without an account, RFC 8058 one-click unsubscribe."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from portal.alerts.notices import run_alerts
from portal.alerts.tokens import CONFIRM_SALT
from portal.extensions import db
from portal.mail.outbox import deliver_due
from portal.models import OutboxEmail, Subscriber, SubscriberCondition, TrialAlert
from portal.models.alert import ACTIVE, PENDING
from portal.models.base import utcnow
from tests.alerts.helpers import CHICAGO, import_studies, links, sign_up, study, subscribe
from tests.conftest import SmtpServer
from tests.forms import find_csrf_token


def confirmation_link(app: Flask, client: FlaskClient, smtp_server: SmtpServer, **fields: str) -> str:
    assert sign_up(client, **fields).status_code == 302
    with app.app_context():
        deliver_due(db.session)
    return links(smtp_server.messages[-1])[0].removeprefix("https://trials.example.org")


def subscriber_status(app: Flask) -> str | None:
    with app.app_context():
        return db.session.scalar(select(Subscriber.status))


def alert_email(app: Flask, smtp_server: SmtpServer) -> EmailMessage:
    """Subscribe, import a fitting trial, deliver the alert over SMTP."""
    subscribe(app, "pat@example.org", "lupus", place="Chicago", radius_miles=25)
    import_studies(
        app, study("NCT90000020", conditions=["Lupus Nephritis"], sites=[("Chicago", CHICAGO, "RECRUITING")])
    )
    with app.app_context():
        run_alerts(db.session, dispatch=False)
        deliver_due(db.session)
    [message] = smtp_server.messages
    return message  # type: ignore[return-value]


def test_opening_the_confirmation_link_changes_nothing_until_the_button(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    link = confirmation_link(app, client, smtp_server)
    page = client.get(link)
    assert page.status_code == 200 and ">Confirm</button>" in page.get_data(as_text=True)
    client.get(link)  # a mail scanner following the link again
    assert subscriber_status(app) == PENDING
    token = find_csrf_token(page.get_data(as_text=True))
    assert token
    done = client.post(link, data={"csrf_token": token})
    assert done.status_code == 200 and "Your alerts are on" in done.get_data(as_text=True)
    assert subscriber_status(app) == ACTIVE
    # Confirming twice is harmless.
    assert client.post(link, data={"csrf_token": token}).status_code == 200


def test_tampered_and_expired_links_get_a_friendly_page(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    link = confirmation_link(app, client, smtp_server)
    for bad in (link[:-3] + "abc", "/alerts/confirm/nonsense", "/alerts/manage/x.y.z", "/alerts/unsubscribe/%00"):
        response = client.get(bad)
        assert response.status_code == 400, bad
        assert "This link does not work" in response.get_data(as_text=True)
    assert client.post("/alerts/unsubscribe/forged.token").status_code == 400
    with app.app_context():
        subscriber = db.session.scalar(select(Subscriber))
        assert subscriber is not None
        signed_then = time.time() - 8 * 86400
        with pytest.MonkeyPatch.context() as patch:  # a link signed eight days ago
            patch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: signed_then))
            serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=CONFIRM_SALT)
            old = serializer.dumps({"s": subscriber.id, "n": subscriber.token_nonce})
    expired = client.get(f"/alerts/confirm/{old}")
    assert expired.status_code == 410 and "This link has expired" in expired.get_data(as_text=True)
    assert subscriber_status(app) == PENDING


def test_unconfirmed_sign_ups_are_purged_after_seven_days(app: Flask, runner: FlaskCliRunner) -> None:
    subscribe(app, "kept@example.org", "asthma")  # confirmed: kept however old
    with app.app_context():
        for email, age in (("old@example.org", 8), ("recent@example.org", 6), ("kept@example.org", 30)):
            subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
            if subscriber is None:
                subscriber = Subscriber(email=email, status=PENDING, token_nonce="n" * 32)
                db.session.add(subscriber)
            subscriber.created_at = utcnow() - timedelta(days=age)
        db.session.commit()
        db.session.remove()
    result = runner.invoke(args=["alerts", "purge"])
    assert result.exit_code == 0 and "Deleted 1 unconfirmed" in result.output
    with app.app_context():
        assert sorted(db.session.scalars(select(Subscriber.email))) == ["kept@example.org", "recent@example.org"]


def test_alert_emails_carry_rfc_8058_headers_and_say_why(app: Flask, smtp_server: SmtpServer) -> None:
    message = alert_email(app, smtp_server)
    assert message["To"] == "pat@example.org"
    assert "Study NCT90000020" in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # As it arrives, not as a parser decodes it: providers read a plain <https://…> list, never an encoded word.
    [raw] = smtp_server.handler.raw
    assert b"\r\nList-Unsubscribe: <https://trials.example.org/alerts/unsubscribe/" in raw
    https, mailto = [part.strip(" <>") for part in message["List-Unsubscribe"].split(",")]
    assert https.startswith("https://trials.example.org/alerts/unsubscribe/")
    assert mailto.startswith("mailto:unsubscribe@trials.example.org?subject=unsubscribe%20")
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    for body in (text, html):
        assert "you follow “lupus”, and this trial is about “Lupus Nephritis”" in body
        assert "Chicago Research Center 0, Chicago, United States, 2 miles away" in body
        assert "you signed up at Trial Finder for trial alerts about: lupus." in body
        assert "https://trials.example.org/trials/NCT90000020" in body


def test_one_click_unsubscribe_needs_no_cookie_or_token_and_deletes_everything(
    app: Flask, smtp_server: SmtpServer
) -> None:
    message = alert_email(app, smtp_server)
    url = message["List-Unsubscribe"].split(",")[0].strip(" <>").removeprefix("https://trials.example.org")
    browser = app.test_client()
    # A GET (link preview, scanner) only shows a button.
    page = browser.get(url)
    assert page.status_code == 200 and ">Unsubscribe</button>" in page.get_data(as_text=True)
    assert subscriber_status(app) == ACTIVE
    # What a mail provider sends: a bare POST, no cookie, no CSRF token.
    provider = app.test_client(use_cookies=False)
    response = provider.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "Location" not in response.headers
    with app.app_context():
        for model in (Subscriber, SubscriberCondition, TrialAlert, OutboxEmail):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    again = provider.post(url, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200
    assert "not subscribed" in browser.get(url).get_data(as_text=True)


def test_the_manage_link_changes_choices_without_an_account(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    message = alert_email(app, smtp_server)
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    manage = re.search(r"https://trials\.example\.org(/alerts/manage/\S+)", text)
    assert manage
    page = client.get(manage.group(1)).get_data(as_text=True)
    assert "pat@example.org" in page and "NCT90000020" in page  # the trials already sent are listed
    token = find_csrf_token(page)
    assert token
    form = {"csrf_token": token, "conditions": "asthma\nCOPD", "place": "", "radius": "anywhere"}
    form |= {"unit": "km", "language": "es", "frequency": "weekly"}
    saved = client.post(manage.group(1), data=form)
    assert saved.status_code == 200 and "Your choices are saved." in saved.get_data(as_text=True)
    with app.app_context():
        subscriber = db.session.scalar(select(Subscriber))
        assert subscriber is not None
        assert [c.label for c in subscriber.conditions] == ["asthma", "COPD"]
        assert (subscriber.radius_km, subscriber.frequency, subscriber.language) == (None, "weekly", "es")
    bad = client.post(manage.group(1), data=form | {"radius": "99999"})
    assert bad.status_code == 422


def test_mail_to_the_unsubscribe_address_unsubscribes(
    app: Flask, smtp_server: SmtpServer, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    message = alert_email(app, smtp_server)
    mailto = message["List-Unsubscribe"].split(",")[1].strip(" <>")
    subject = mailto.split("?subject=")[1].replace("%20", " ")
    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = "pat@example.org", "unsubscribe@trials.example.org", subject
    path = tmp_path / "reply.eml"
    path.write_bytes(reply.as_bytes())
    result = runner.invoke(args=["alerts", "unsubscribe-mail", str(path)])
    assert result.exit_code == 0 and "Unsubscribed." in result.output
    assert subscriber_status(app) is None
    forged = tmp_path / "forged.eml"
    reply.replace_header("Subject", "unsubscribe not-a-token")
    forged.write_bytes(reply.as_bytes())
    assert runner.invoke(args=["alerts", "unsubscribe-mail", str(forged)]).exit_code == 1
