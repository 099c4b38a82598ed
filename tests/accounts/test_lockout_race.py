"""Wrong passwords sent all at once: the lockout still lets no more than its limit be checked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.accounts import passwords
from portal.extensions import db
from portal.models import SignInFailure
from tests.forms import csrf_token
from tests.staff import make_user

EMAIL = "sam@site.example.org"
WRONG = "not the right password at all"


class CountingHasher:
    """The real argon2 hasher, counting how often a password is checked (from any thread)."""

    def __init__(self) -> None:
        self.real = passwords._hasher
        self.checks = 0
        self._lock = threading.Lock()

    def verify(self, *args: str) -> bool:
        with self._lock:
            self.checks += 1
        return self.real.verify(*args)

    def hash(self, password: str) -> str:
        return self.real.hash(password)


def sign_in_all_at_once(app: Flask, attempts: list[tuple[str, str]]) -> list[int]:
    """POST one wrong sign-in per (IP, email) from its own browser, all released together; the statuses."""
    browsers: list[tuple[FlaskClient, str, str]] = []
    for ip, email in attempts:
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = ip
        browsers.append((browser, email, csrf_token(browser, "/account/sign-in")))
    start = threading.Barrier(len(browsers))

    def post(browser: FlaskClient, email: str, token: str) -> int:
        start.wait(timeout=30)
        data = {"email": email, "password": WRONG, "csrf_token": token}
        return browser.post("/account/sign-in", data=data).status_code

    with ThreadPoolExecutor(len(browsers)) as pool:
        return list(pool.map(lambda args: post(*args), browsers))


def recorded_failures(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(SignInFailure)) or 0
        db.session.remove()
    return count


@pytest.fixture(autouse=True)
def _close_the_threads_connections(app: Flask) -> Iterator[None]:
    """The threads leave a pool's worth of idle connections. On SQLite each keeps the planner statistics it read
    when it opened; a later test that changes them and reloads them on its own connection would get a stale one."""
    yield
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


def test_parallel_wrong_passwords_for_one_account_check_at_most_the_limit(app: Flask, hasher: CountingHasher) -> None:
    make_user(app, EMAIL)
    limit = app.config["LOCKOUT_ACCOUNT_FAILURES"]
    # Twelve different IPs, so only the account's limit applies.
    statuses = sign_in_all_at_once(app, [(f"198.51.100.{n + 1}", EMAIL) for n in range(12)])
    assert hasher.checks == limit
    assert sorted(statuses) == [401] * limit + [429] * (12 - limit)
    assert recorded_failures(app) == limit


def test_parallel_wrong_sign_ins_from_one_ip_check_at_most_its_limit(
    app: Flask, hasher: CountingHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOCKOUT_IP_FAILURES", 4)
    # Ten different addresses (none of them an account) from one IP, so only the IP's limit applies.
    statuses = sign_in_all_at_once(app, [("203.0.113.9", f"guess{n}@example.org") for n in range(10)])
    assert hasher.checks == 4
    assert sorted(statuses) == [401] * 4 + [429] * 6
    assert recorded_failures(app) == 4
