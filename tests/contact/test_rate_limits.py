"""Rate limits: per IP, and per recipient address whatever the IP."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ContactRequest, Site
from tests.contact.helpers import TRIAL, page_form

pytestmark = pytest.mark.usefixtures("trial")


@pytest.fixture
def trial(import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)


def recruiting_sites(app: Flask) -> list[str]:
    with app.app_context():
        return [
            str(i) for i in db.session.scalars(select(Site.id).where(Site.status == "RECRUITING").order_by(Site.id))
        ]


def send(client: FlaskClient, ip: str, email: str, site: str) -> int:
    _html, token, _site = page_form(client)
    data = {
        "csrf_token": token,
        "action": "send",
        "site": site,
        "first_name": "Ann",
        "last_name": "Lee",
        "email": email,
        "phone": "(312) 555-0142",
        "consent": "y",
    }
    return client.post(f"/trials/{TRIAL}/contact", data=data, environ_overrides={"REMOTE_ADDR": ip}).status_code


def stored(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ContactRequest)) or 0


def test_one_ip_is_limited_with_a_friendly_page(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "CONTACT_RATE_LIMIT_IP", "3 per hour")
    site = recruiting_sites(app)[0]
    codes = [send(client, "203.0.113.7", f"person{i}@example.org", site) for i in range(4)]
    assert codes == [302, 302, 302, 429]
    assert stored(app) == 3
    _html, token, _ = page_form(client)
    limited = client.post(
        f"/trials/{TRIAL}/contact", data={"csrf_token": token}, environ_overrides={"REMOTE_ADDR": "203.0.113.7"}
    )
    assert limited.status_code == 429
    assert "Please wait before you try again" in limited.get_data(as_text=True)
    assert send(client, "198.51.100.9", "other@example.org", site) == 302  # another IP is not affected


def test_one_address_is_limited_across_ips(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "CONTACT_RATE_LIMIT_EMAIL", "2 per day")
    sites = recruiting_sites(app)
    spellings = ["victim@example.org", "Victim@EXAMPLE.org", "victim@ｅxample.org"]  # the last with a full-width e
    codes = [send(client, f"192.0.2.{i}", spellings[i], sites[i]) for i in range(3)]
    assert codes == [302, 302, 429]
    assert stored(app) == 2
    assert send(client, "192.0.2.50", "someone.else@example.org", sites[3]) == 302


def test_rejected_forms_do_not_use_up_the_address_limit(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "CONTACT_RATE_LIMIT_EMAIL", "1 per day")
    site = recruiting_sites(app)[0]
    _html, token, _ = page_form(client)
    for _ in range(3):  # invalid: no consent, no names
        bad = client.post(
            f"/trials/{TRIAL}/contact",
            data={"csrf_token": token, "action": "send", "site": site, "email": "ann@example.org"},
        )
        assert bad.status_code == 422
    assert send(client, "192.0.2.1", "ann@example.org", site) == 302
