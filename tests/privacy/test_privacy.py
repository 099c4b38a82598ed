"""Purge past retention and erase one person: through the commands an operator runs."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ContactRequest, ContactRequestEvent, OutboxEmail
from portal.models.base import utcnow
from tests.contact.helpers import post_contact
from tests.forms import csrf_token
from tests.staff import ALICE, make_request, make_user, sign_in, site_ids

TRIAL = "NCT04012996"


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_purge_deletes_requests_and_their_mail_past_retention(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    assert post_contact(client, email="recent@example.org").status_code == 302  # with its two emails
    [site] = site_ids(app, count=1)
    make_request(app, site, email="old@example.org", created_at=utcnow() - timedelta(days=400))
    make_request(app, site, email="older@example.org", created_at=utcnow() - timedelta(days=800))
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "more than 365 days ago" in result.output and "contact requests: 2" in result.output
    with app.app_context():
        assert list(db.session.scalars(select(ContactRequest.email))) == ["recent@example.org"]
    assert count(app, OutboxEmail) == 2
    result = runner.invoke(args=["privacy", "purge", "--older-than", "0"])
    assert result.exit_code != 0  # at least a day
    result = runner.invoke(args=["privacy", "purge", "--older-than", "1"])
    assert "contact requests: 0" in result.output


def test_purge_with_a_time_reaches_recent_mail_too(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    post_contact(client)
    with app.app_context():
        from portal.privacy.services import purge_old_requests

        counts = purge_old_requests(db.session, 30, now=utcnow() + timedelta(days=31))
        db.session.commit()
    assert counts == {"contact_request_events": 0, "outbox_emails": 2, "contact_requests": 1}
    assert count(app, ContactRequest) == count(app, OutboxEmail) == 0


def test_erase_removes_a_person_everywhere_and_reports_it(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    post_contact(client, email="Erase.Me@Example.org")
    post_contact(client, email="keep.me@example.org")
    with app.app_context():
        public_id, site = db.session.execute(
            select(ContactRequest.public_id, ContactRequest.site_id).where(
                ContactRequest.email == "Erase.Me@example.org"
            )
        ).one()
    make_user(app, ALICE, site_ids=(site,))
    staff = app.test_client()
    sign_in(staff, ALICE)
    page = f"/site/requests/{public_id}"
    staff.post(f"{page}/notes", data={"note": "Called.", "csrf_token": csrf_token(staff, page)})
    # Mail addressed to the person that is not tied to a request (say, an account email).
    make_user(app, "ops@example.org", role="admin")
    admin = app.test_client()
    sign_in(admin, "ops@example.org")
    admin.post(
        "/admin/users",
        data={
            "email": "erase.me@example.org",
            "display_name": "E",
            "role": "site",
            "csrf_token": csrf_token(admin, "/admin/users"),
        },
    )
    result = runner.invoke(args=["privacy", "erase", "ERASE.ME@example.org"])
    assert result.exit_code == 0, result.output
    assert "contact requests: 1" in result.output
    assert "request history: 1" in result.output
    assert "request emails: 2" in result.output
    assert "other emails: 1" in result.output
    with app.app_context():
        assert list(db.session.scalars(select(ContactRequest.email))) == ["keep.me@example.org"]
        bodies = " ".join(db.session.scalars(select(OutboxEmail.body_text)))
        recipients = [r for rows in db.session.scalars(select(OutboxEmail.recipients)) for r in rows]
    assert "erase.me" not in bodies.lower() and "erase.me@example.org" not in [r.lower() for r in recipients]
    assert count(app, ContactRequestEvent) == 0
    assert runner.invoke(args=["privacy", "erase", "not-an-address"]).exit_code != 0


def test_erase_removes_trial_alert_subscriptions_with_their_alerts_and_mail(app: Flask, runner: FlaskCliRunner) -> None:
    from portal.alerts.notices import run_alerts
    from portal.models import Subscriber, SubscriberCondition, TrialAlert
    from tests.alerts.helpers import import_studies, study, subscribe

    subscribe(app, "erase.me@example.org", "lupus\nasthma")
    subscribe(app, "keep.me@example.org", "lupus")
    import_studies(app, study("NCT90000050", conditions=["Lupus"]))
    with app.app_context():
        run_alerts(db.session, dispatch=False)
    assert count(app, OutboxEmail) == 2
    result = runner.invoke(args=["privacy", "erase", "Erase.Me@example.org"])
    assert result.exit_code == 0, result.output
    for line in ("alert subscriptions: 1", "alert conditions: 2", "alerts: 1", "alert emails: 1"):
        assert line in result.output, result.output
    with app.app_context():
        assert list(db.session.scalars(select(Subscriber.email))) == ["keep.me@example.org"]
        assert count(app, SubscriberCondition) == 1 and count(app, TrialAlert) == 1
        assert [row.recipients for row in db.session.scalars(select(OutboxEmail))] == [["keep.me@example.org"]]
