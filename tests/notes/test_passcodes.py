"""Guessing passcodes: a lock per link after 5 wrong tries in 15 minutes, a limit per IP, expiry, and no clue
whether a link exists."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import NoteShare, NoteShareAttempts, Trial
from portal.models.base import utcnow
from portal.notes.passcodes import generate_passcode, generated_entropy_bits, word_list
from portal.notes.services import create_share, purge_expired, unlock_share
from tests.notes.helpers import NOTE, TRIAL, link_path, share, try_passcode

pytestmark = pytest.mark.usefixtures("trial")


@pytest.fixture
def trial(import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)


@pytest.fixture
def session(app_ctx: Flask) -> Iterator[object]:
    yield db.session


def _create(days: int = 7, now=None):  # type: ignore[no-untyped-def]
    trial = db.session.scalars(select(Trial).where(Trial.nct_id == TRIAL)).one()
    created = create_share(db.session, trial, [NOTE], days=days, now=now)
    db.session.commit()
    return created


def visible(html: str) -> str:
    """The page without its per-visitor form token, and without its own link (in the language links)."""
    return re.sub(r"/notes/s/[\w-]+", "/notes/s/LINK", re.sub(r'value="[^"]{20,}"', 'value=""', html))


def test_generated_passcodes_are_words_with_at_least_40_bits() -> None:
    words = word_list()
    assert len(set(words)) == len(words) >= 2000
    assert all(re.fullmatch(r"[a-z]{3,10}", word) for word in words)
    assert generated_entropy_bits() >= 40
    passcodes = {generate_passcode() for _ in range(200)}
    assert len(passcodes) == 200
    assert all(len(p.split("-")) == 4 and all(w in words for w in p.split("-")) for p in passcodes)


def test_the_sixth_try_in_15_minutes_is_locked_even_with_the_right_passcode(app: Flask, client: FlaskClient) -> None:
    body = share(client).get_json()
    path = link_path(body["url"])
    guesser = app.test_client()
    for _ in range(5):
        wrong = try_passcode(guesser, path, "maple-river-candle-orbit")
        assert wrong.status_code == 403
    locked = try_passcode(app.test_client(), path, body["passcode"])
    assert locked.status_code == 429
    assert "too many wrong passcodes for this link" in locked.get_data(as_text=True)
    assert "Please try again in 15 minutes." in locked.get_data(as_text=True)
    assert body["passcode"] not in locked.get_data(as_text=True)


def test_the_lock_ends_after_the_window(session) -> None:  # type: ignore[no-untyped-def]
    t0 = utcnow()
    created = _create(now=t0)
    for minute in range(5):
        wrong = unlock_share(db.session, created.token, "wrong passcode", now=t0 + timedelta(minutes=minute))
        assert wrong.share is None and wrong.locked_for is None
    db.session.commit()
    locked = unlock_share(db.session, created.token, created.passcode, now=t0 + timedelta(minutes=14))
    assert locked.share is None and locked.locked_minutes == 1
    db.session.commit()
    opened = unlock_share(db.session, created.token, created.passcode, now=t0 + timedelta(minutes=15))
    assert opened.share is not None and opened.share.id == created.share.id
    db.session.commit()
    # The right passcode starts a fresh count.
    assert db.session.scalars(select(NoteShareAttempts)).all() == []


def test_wrong_tries_spread_over_more_than_15_minutes_never_lock(session) -> None:  # type: ignore[no-untyped-def]
    t0 = utcnow()
    created = _create(now=t0)
    for i in range(8):
        result = unlock_share(db.session, created.token, "wrong passcode", now=t0 + timedelta(minutes=4 * i))
        assert result.locked_for is None
        db.session.commit()
    assert unlock_share(db.session, created.token, created.passcode, now=t0 + timedelta(minutes=33)).share


def test_a_wrong_passcode_and_an_unknown_link_get_the_same_answer(app: Flask, client: FlaskClient) -> None:
    body = share(client).get_json()
    real = link_path(body["url"])
    unknown = "/notes/s/" + "A" * 22

    def answer(path: str) -> tuple[int, str, float]:
        start = time.perf_counter()
        response = try_passcode(app.test_client(), path, "not-the-passcode")
        return response.status_code, response.get_data(as_text=True), time.perf_counter() - start

    wrong, missing = answer(real), answer(unknown)
    assert wrong[0] == missing[0] == 403
    assert visible(wrong[1]) == visible(missing[1])
    assert visible(app.test_client().get(real).get_data(as_text=True)) == visible(
        app.test_client().get(unknown).get_data(as_text=True)
    )
    # Both check a passcode against an argon2id hash: skipping the check for unknown links would make them answer
    # in a small fraction of the time. Loose bounds, since other processes share the machine.
    wrong_times = sorted(answer(real)[2] for _ in range(3))
    missing_times = sorted(answer(unknown)[2] for _ in range(3))
    assert missing_times[1] > 0.4 * wrong_times[1] and wrong_times[1] > 0.4 * missing_times[1]
    # And an unknown link locks exactly like a real one: after 4 wrong tries each, the 5th is refused, the 6th locked.
    for expected in (403, 429):
        on_real, on_unknown = try_passcode(app.test_client(), real, "x"), try_passcode(app.test_client(), unknown, "x")
        assert on_real.status_code == on_unknown.status_code == expected
        assert visible(on_real.get_data(as_text=True)) == visible(on_unknown.get_data(as_text=True))


def test_one_ip_is_limited_across_all_links(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "NOTES_UNLOCK_RATE_LIMIT_IP", "3 per hour")
    links = [link_path(share(client).get_json()["url"]) for _ in range(4)]
    for path in links[:3]:
        assert try_passcode(app.test_client(), path, "wrong-guess", ip="203.0.113.9").status_code == 403
    limited = try_passcode(app.test_client(), links[3], "wrong-guess", ip="203.0.113.9")
    assert limited.status_code == 429
    assert "too many tries from your connection" in limited.get_data(as_text=True)
    assert try_passcode(app.test_client(), links[3], "wrong-guess", ip="198.51.100.7").status_code == 403


def test_an_expired_share_is_like_an_unknown_link_and_is_purged(session, runner) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    old = _create(days=1, now=now - timedelta(days=1, minutes=1))
    fresh = _create(days=1, now=now - timedelta(hours=23))
    assert unlock_share(db.session, old.token, old.passcode, now=now).share is None
    assert unlock_share(db.session, fresh.token, fresh.passcode, now=now).share is not None
    db.session.commit()
    result = runner.invoke(args=["notes", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 expired shares" in result.output
    db.session.expire_all()
    assert [s.id for s in db.session.scalars(select(NoteShare))] == [fresh.share.id]
    # A day later the other goes too, with the finished wrong-passcode count of the old link.
    assert purge_expired(db.session, now=now + timedelta(days=1)) == (1, 1)
