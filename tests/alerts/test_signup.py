"""Sign-up: one confirmation email and nothing else, the same page for everyone, bad input refused in place."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.mail.outbox import deliver_due
from portal.models import OutboxEmail, Subscriber, SubscriberCondition
from portal.models.alert import ACTIVE, PENDING
from tests.alerts.helpers import VALID, field_errors, links, sign_up, subscribe
from tests.conftest import SmtpServer


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_trial_pages_and_the_contact_confirmation_link_to_sign_up(client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT04012996")
    html = client.get("/trials/NCT04012996").get_data(as_text=True)
    assert 'href="/alerts/?trial=NCT04012996"' in html
    page = client.get("/alerts/?trial=NCT04012996").get_data(as_text=True)
    # The conditions of the trial the patient came from are filled in for them.
    assert "Symptomatic Cervical Disc Disease" in page.split('id="conditions"')[1].split("</textarea>")[0]


def test_sign_up_sends_only_a_confirmation(app: Flask, client: FlaskClient, smtp_server: SmtpServer) -> None:
    response = sign_up(client, email="Pat@Example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/alerts/check-your-inbox"
    assert "Check your inbox" in client.get("/alerts/check-your-inbox").get_data(as_text=True)
    with app.app_context():
        subscriber = db.session.scalar(select(Subscriber))
        assert subscriber is not None
        assert (subscriber.email, subscriber.status) == ("pat@example.org", PENDING)
        assert subscriber.place_label == "Chicago, Illinois"
        assert round(subscriber.radius_km or 0) == 80  # 50 miles
        phrases = sorted(db.session.scalars(select(SubscriberCondition.phrase)))
        assert phrases == ["knee osteoarthritis", "lupus"]  # the same rough singular the trial terms use
        deliver_due(db.session)
    [message] = smtp_server.messages
    assert message["To"] == "pat@example.org"
    assert "confirm" in message["Subject"].lower()
    [confirm_link] = links(message)
    assert "/alerts/confirm/" in confirm_link
    assert message.get_body(preferencelist=("html",)) is not None


def test_the_page_is_the_same_whether_or_not_the_address_is_subscribed(app: Flask, client: FlaskClient) -> None:
    subscribe(app, "known@example.org", "asthma")
    known = sign_up(client, email="known@example.org", conditions="something else")
    unknown = sign_up(client, email="new@example.org")
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    with app.app_context():
        sent = sorted((row.recipients[0], row.kind) for row in db.session.scalars(select(OutboxEmail)))
        assert sent == [("known@example.org", "alerts_already"), ("new@example.org", "alerts_confirm")]
        known_subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == "known@example.org"))
        assert known_subscriber is not None and known_subscriber.status == ACTIVE
        # A stranger cannot change someone else's alerts by signing up with their address.
        assert [c.label for c in known_subscriber.conditions] == ["asthma"]


def test_signing_up_again_before_confirming_updates_the_choices(app: Flask, client: FlaskClient) -> None:
    sign_up(client, conditions="asthma")
    sign_up(client, conditions="copd", radius="anywhere", place="")
    with app.app_context():
        [subscriber] = db.session.scalars(select(Subscriber)).all()
        assert [c.label for c in subscriber.conditions] == ["copd"]
        assert subscriber.radius_km is None and subscriber.place_label is None
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 2


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "valid email address"),
        ({"radius": "100000"}, "radius", "choose a distance"),
        ({"unit": "parsecs"}, "unit", "miles or kilometres"),
        ({"conditions": "\n".join(f"condition {n}" for n in range(500))}, "conditions", "at most 10"),
        ({"conditions": "lupus\u0000\u202e"}, "conditions", "special characters"),
        ({"conditions": "x" * 150}, "conditions", "at most 100 characters"),
        ({"conditions": "!!!"}, "conditions", "not a condition"),
        ({"conditions": "  \n "}, "conditions", "at least one condition"),
        ({"place": ""}, "place", "ZIP code or city"),
        ({"place": "Xyzzyville Nowhere"}, "place", "could not find that place"),
        ({"language": "xx"}, "language", "language from the list"),
        ({"frequency": "hourly"}, "frequency", "how often"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_changes_nothing(
    app: Flask, client: FlaskClient, fields: dict[str, str], field: str, message: str
) -> None:
    response = sign_up(client, **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in field_errors(html).get(field, ""), field_errors(html)
    assert 'class="error-summary"' in html
    if field != "email":
        assert 'value="pat@example.org"' in html  # what the person typed is kept
    assert count(app, Subscriber) == 0 and count(app, OutboxEmail) == 0


def test_the_honeypot_stores_and_sends_nothing(app: Flask, client: FlaskClient) -> None:
    response = sign_up(client, website="http://spam.example")
    assert response.status_code == 302
    assert count(app, Subscriber) == 0 and count(app, OutboxEmail) == 0


def test_sign_up_needs_the_form_token(app: Flask, client: FlaskClient) -> None:
    response = client.post("/alerts/", data=VALID)
    assert response.status_code == 400
    assert count(app, Subscriber) == 0


def test_sign_ups_are_limited_per_address_across_ips_and_per_ip(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "ALERTS_RATE_LIMIT_EMAIL", "2 per day")
    monkeypatch.setitem(app.config, "ALERTS_RATE_LIMIT_IP", "4 per hour")
    clients = [app.test_client() for _ in range(3)]
    for n, client in enumerate(clients):
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
    assert sign_up(clients[0], email="victim@example.org").status_code == 302
    assert sign_up(clients[1], email="VICTIM@example.org").status_code == 302
    # A third try for the same address, from a third IP, is refused: nobody can flood one inbox.
    third = sign_up(clients[2], email="victim@example.org")
    assert third.status_code == 429
    assert count(app, OutboxEmail) == 2
    # One IP cannot sign up any number of addresses either.
    statuses = [sign_up(clients[2], email=f"person{n}@example.org").status_code for n in range(4)]
    assert statuses == [302, 302, 302, 429]


def test_condition_suggestions_come_from_known_trials(client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT04012996")
    found = client.get("/alerts/conditions?q=cervical").get_json()["conditions"]
    assert "Symptomatic Cervical Disc Disease" in found
    assert client.get("/alerts/conditions?q=zzzz").get_json() == {"conditions": []}


def test_the_sign_up_page_calls_them_trial_alerts(client: FlaskClient) -> None:
    page = client.get("/alerts/").get_data(as_text=True)
    assert "Trial alerts: tell us what you are looking for" in page
    assert "Patient Notification Services" not in page
