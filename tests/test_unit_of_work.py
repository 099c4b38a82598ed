"""`portal.database.unit_of_work`: one write transaction, committed once, its mail dispatched only after the commit."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from portal.database import DISPATCH_HOOK, unit_of_work
from portal.extensions import db
from portal.mail.outbox import add_email, delivery_key
from portal.mail.rendering import RenderedEmail
from portal.models import Faq, OutboxEmail


class Refused(Exception):
    pass


def committed_count(app: Flask, model: type) -> int:
    """Counted on a connection of its own: only what was committed."""
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def dispatched(app_ctx: Flask) -> Iterator[list[tuple[list[tuple[int, str]], int]]]:
    """Each dispatch's rows, with how many outbox rows were committed when the hook ran."""
    calls: list[tuple[list[tuple[int, str]], int]] = []
    real = app_ctx.extensions[DISPATCH_HOOK]
    app_ctx.extensions[DISPATCH_HOOK] = lambda rows: calls.append((rows, committed_count(app_ctx, OutboxEmail)))
    yield calls
    app_ctx.extensions[DISPATCH_HOOK] = real


def write_email(session: Session) -> list[tuple[int, str]]:
    row = add_email(session, kind="test", recipients=["pat@example.org"], email=RenderedEmail("Hi", "Hello", "<p>Hi"))
    session.flush()
    return [(row.id, delivery_key(0, None))]


def test_it_commits_then_dispatches(app_ctx: Flask, dispatched: list) -> None:  # type: ignore[type-arg]
    with unit_of_work() as uow:
        db.session.add(Faq(question="Q?", answer="A."))
        rows = write_email(db.session)
        uow.dispatch(rows)
        assert dispatched == []  # queued, not sent
    assert dispatched == [(rows, 1)]  # the hook ran after the commit: the row was already there for others
    assert committed_count(app_ctx, Faq) == 1


def test_an_exception_rolls_back_and_dispatches_nothing(app_ctx: Flask, dispatched: list) -> None:  # type: ignore[type-arg]
    with pytest.raises(Refused), unit_of_work() as uow:
        db.session.add(Faq(question="Q?", answer="A."))
        uow.dispatch(write_email(db.session))
        raise Refused
    assert dispatched == []
    assert committed_count(app_ctx, Faq) == 0
    assert committed_count(app_ctx, OutboxEmail) == 0


def test_a_rollback_inside_stores_and_sends_nothing(app_ctx: Flask, dispatched: list) -> None:  # type: ignore[type-arg]
    def view() -> str:
        with unit_of_work() as uow:
            db.session.add(Faq(question="Q?", answer="A."))
            uow.dispatch(write_email(db.session))
            uow.rollback()  # a refusal found inside: the early return must not commit
            with pytest.raises(RuntimeError):
                uow.dispatch([(1, "0-0")])
            return "the form again"

    assert view() == "the form again"
    assert dispatched == []
    assert committed_count(app_ctx, Faq) == 0
    assert committed_count(app_ctx, OutboxEmail) == 0
    assert not db.session().in_transaction()


def test_a_failed_commit_dispatches_nothing(app_ctx: Flask, dispatched: list) -> None:  # type: ignore[type-arg]
    def refuse(session: Session) -> None:
        raise Refused

    event.listen(db.session, "before_commit", refuse)
    try:
        with pytest.raises(Refused), unit_of_work() as uow:
            uow.dispatch(write_email(db.session))
    finally:
        event.remove(db.session, "before_commit", refuse)
    assert dispatched == []
    assert committed_count(app_ctx, OutboxEmail) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0  # the session is usable again


def test_a_dispatch_that_fails_never_undoes_or_fails_the_commit(
    app_ctx: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(rows: list[tuple[int, str]]) -> None:
        raise ConnectionError("queue unreachable")

    real = app_ctx.extensions[DISPATCH_HOOK]
    app_ctx.extensions[DISPATCH_HOOK] = broken
    try:
        with caplog.at_level(logging.ERROR, logger="portal.database"), unit_of_work() as uow:
            uow.dispatch(write_email(db.session))
    finally:
        app_ctx.extensions[DISPATCH_HOOK] = real
    assert committed_count(app_ctx, OutboxEmail) == 1
    assert "the sweep will send them" in caplog.text


def test_a_unit_inside_another_is_refused(app_ctx: Flask) -> None:
    with pytest.raises(RuntimeError), unit_of_work():
        db.session.add(Faq(question="Q?", answer="A."))
        with unit_of_work():  # its BEGIN would commit the outer unit's work
            pass
    assert committed_count(app_ctx, Faq) == 0
    with unit_of_work():  # and the session is free again
        db.session.add(Faq(question="Q?", answer="A."))
    assert committed_count(app_ctx, Faq) == 1


def test_a_service_that_commits_inside_a_unit_is_refused(app_ctx: Flask, dispatched: list) -> None:  # type: ignore[type-arg]
    def committing_service(session: Session) -> None:
        session.add(Faq(question="Q?", answer="A."))
        session.commit()

    with pytest.raises(RuntimeError, match="services only flush"), unit_of_work() as uow:
        uow.dispatch(write_email(db.session))
        with db.session.begin_nested():  # a savepoint is no commit
            db.session.add(Faq(question="Saved?", answer="In a savepoint."))
        committing_service(db.session)
    assert dispatched == []
    assert committed_count(app_ctx, Faq) == 0
    assert committed_count(app_ctx, OutboxEmail) == 0


def test_the_unit_is_one_transaction_others_see_only_after_the_commit(app_ctx: Flask) -> None:
    """SQLite: it holds the write lock from its first read (BEGIN IMMEDIATE). PostgreSQL: another connection sees
    nothing of the unit's writes until it commits."""
    if db.engine.dialect.name == "sqlite":
        other = sqlite3.connect(db.engine.url.database or "", timeout=0, isolation_level=None)
        try:
            with unit_of_work():
                db.session.scalar(select(func.count()).select_from(Faq))  # only a read so far
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            other.execute("BEGIN IMMEDIATE")  # released by the commit
            other.execute("ROLLBACK")
        finally:
            other.close()
        return
    with db.engine.connect() as other:
        with unit_of_work():
            db.session.add(Faq(question="Seen?", answer="Not yet."))
            db.session.flush()
            assert other.scalar(select(func.count()).select_from(Faq)) == 0
            other.rollback()
        assert other.scalar(select(func.count()).select_from(Faq)) == 1
