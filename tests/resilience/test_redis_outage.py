"""A Redis outage, end to end: the portal under gunicorn, real RQ workers, a Redis of the test's own.

While Redis is down, every rate-limited route answers as usual (the limits count in memory) and every patient's
request is stored; when Redis is back, the workers' sweep sends every email exactly once.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import requests
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.mail.outbox import add_email
from portal.mail.rendering import RenderedEmail
from portal.models import ContactRequest, OutboxEmail, Subscriber
from tests.conftest import SmtpServer, free_port
from tests.contact.helpers import TRIAL, VALID
from tests.forms import find_csrf_token
from tests.notes.helpers import NOTE
from tests.processes import PortalServer, RedisServer, Workers, wait_until
from tests.staff import PASSWORD, make_user, site_ids

STAFF = "sam@site-a.example.org"


def form_token(html: str) -> str:
    token = find_csrf_token(html)
    assert token, "the page has no form token"
    return token


def send_contact(base: str, email: str) -> requests.Response:
    browser = requests.Session()
    html = browser.get(f"{base}/trials/{TRIAL}", timeout=10).text
    site = re.search(r'<option value="(\d+)"', html)  # the first recruiting site
    assert site, "the trial page has no contact form"
    data = {**VALID, "email": email, "csrf_token": form_token(html), "site": site.group(1)}
    return browser.post(f"{base}/trials/{TRIAL}/contact", data=data, allow_redirects=False, timeout=10)


def sign_up_for_alerts(base: str, email: str) -> requests.Response:
    browser = requests.Session()
    token = form_token(browser.get(f"{base}/alerts/", timeout=10).text)
    data = {
        "email": email,
        "conditions": "knee osteoarthritis",
        "place": "Chicago",
        "radius": "50",
        "unit": "mi",
        "language": "en",
        "frequency": "immediate",
        "csrf_token": token,
    }
    return browser.post(f"{base}/alerts/", data=data, allow_redirects=False, timeout=10)


def sign_in(base: str) -> tuple[requests.Response, requests.Session]:
    browser = requests.Session()
    token = form_token(browser.get(f"{base}/account/sign-in", timeout=10).text)
    data = {"email": STAFF, "password": PASSWORD, "csrf_token": token}
    return browser.post(f"{base}/account/sign-in", data=data, allow_redirects=False, timeout=10), browser


def share_notes(base: str) -> requests.Response:
    browser = requests.Session()
    token = browser.get(f"{base}/notes/csrf-token", timeout=10).json()["csrf_token"]
    body = {"nct_id": TRIAL, "notes": [NOTE]}
    return browser.post(f"{base}/notes/shares", json=body, headers={"X-CSRFToken": token}, timeout=10)


def count(app: Flask, model: type, *where: object) -> int:
    with app.app_context():
        value = db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0
        db.session.remove()
        return value


def test_with_redis_down_requests_are_stored_and_answered_and_mail_arrives_once_it_returns(
    app: Flask,
    smtp_server: SmtpServer,
    import_demo,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    import_demo(TRIAL)
    make_user(app, STAFF, site_ids=tuple(site_ids(app, count=100)))
    redis = RedisServer(free_port(), tmp_path)
    redis.start()
    env = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis.url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "MAIL_TIMEOUT": "5",
        "SECRET_KEY": app.config["SECRET_KEY"],
        "PORTAL_BASE_URL": app.config["PORTAL_BASE_URL"],
        "ALERTS_RUN_SECONDS": "0",
    }
    server = PortalServer(env, tmp_path / "gunicorn.log")
    workers = Workers(app, smtp_server, tmp_path, redis_url=redis.url)
    try:
        server.start()
        workers.start()
        base = server.url
        # With Redis up, as usual: the limits count in Redis and the worker sends the mail.
        assert send_contact(base, "before@example.org").status_code == 302
        assert wait_until(lambda: len(smtp_server.messages) == 2), workers.logs()

        redis.stop()
        answers = {
            "contact 1": send_contact(base, "ana@example.org").status_code,
            "contact 2": send_contact(base, "ben@example.org").status_code,
            "contact 3": send_contact(base, "chloe@example.org").status_code,
            "alerts sign-up": sign_up_for_alerts(base, "dana@example.org").status_code,
            "notes share": share_notes(base).status_code,
            "search API": requests.get(f"{base}/api/v1/trials?q=knee", timeout=10).status_code,
            "condition suggestions": requests.get(f"{base}/alerts/conditions?q=kn", timeout=10).status_code,
        }
        signed_in, staff = sign_in(base)
        answers["sign-in"] = signed_in.status_code
        assert answers == {
            "contact 1": 302,
            "contact 2": 302,
            "contact 3": 302,
            "alerts sign-up": 302,
            "notes share": 201,
            "search API": 200,
            "condition suggestions": 200,
            "sign-in": 302,
        }, server.logs()
        site_area = staff.get(f"{base}/site/", timeout=10)
        assert site_area.status_code == 200 and "José" in site_area.text  # signed in, and sees the requests
        assert count(app, ContactRequest) == 4
        assert count(app, Subscriber) == 1
        assert count(app, OutboxEmail, OutboxEmail.status == "pending") == 7  # 3 x (site + patient) + 1 confirmation
        assert len(smtp_server.messages) == 2  # nothing leaves while the queue is away

        redis.start()
        assert wait_until(lambda: count(app, OutboxEmail, OutboxEmail.status == "sent") == 9, timeout=60), (
            workers.logs()
        )
        assert wait_until(lambda: len(smtp_server.messages) >= 9, timeout=10)
        ids = Counter(message["Message-ID"] for message in smtp_server.messages)
        assert len(smtp_server.messages) == 9 and all(n == 1 for n in ids.values()), ids
        recipients = sorted(rcpt for _sender, rcpts in smtp_server.handler.envelopes for rcpt in rcpts)
        for patient in ("ana@example.org", "ben@example.org", "chloe@example.org", "dana@example.org"):
            assert recipients.count(patient) == 1
        # The operator hears of the outage once per process, not once per request.
        log = server.logs()
        assert 1 <= log.count("Rate limit storage unreachable") <= 2, log
        assert log.count("could not queue mail") <= 2, log
    finally:
        workers.stop()
        server.stop()
        redis.stop()


def test_a_worker_started_while_redis_is_down_waits_for_it_and_then_sends(
    app: Flask, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    redis = RedisServer(free_port(), tmp_path)  # not started yet: Redis is down when the worker starts
    workers = Workers(app, smtp_server, tmp_path, redis_url=redis.url)
    try:
        worker = workers.start()
        assert not wait_until(lambda: worker.poll() is not None, timeout=3), workers.logs()  # it did not give up
        with app.app_context():
            add_email(
                db.session, kind="test", recipients=["kim@example.org"], email=RenderedEmail("Hi", "Hi", "<p>Hi</p>")
            )
            db.session.commit()
            db.session.remove()
        redis.start()
        assert wait_until(lambda: len(smtp_server.messages) == 1, timeout=30), workers.logs()
        assert worker.poll() is None
    finally:
        workers.stop()
        redis.stop()
