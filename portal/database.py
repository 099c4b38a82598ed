"""Engine settings that make SQLite behave like the production database where it matters, and the unit of work."""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from portal.extensions import db
from portal.validation import PARAMETERS_CHECKED, check_storable

log = logging.getLogger(__name__)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so SAVEPOINTs work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    _ensure_math_functions(dbapi_connection, cursor)
    cursor.close()


def _ensure_math_functions(dbapi_connection: Any, cursor: Any) -> None:
    """Distance queries use SQL math functions; SQLite builds without them get Python ones."""
    try:
        cursor.execute("SELECT radians(1), sin(1), cos(1), asin(0.5), sqrt(4), power(2, 2)")
    except sqlite3.OperationalError:
        for name, arity, function in (
            ("radians", 1, math.radians),
            ("sin", 1, math.sin),
            ("cos", 1, math.cos),
            ("asin", 1, math.asin),
            ("sqrt", 1, math.sqrt),
            ("power", 2, math.pow),
        ):
            dbapi_connection.create_function(name, arity, function, deterministic=True)


def _sqlite_on_begin(conn: Any) -> None:
    # A transaction that reads before it writes must take the write lock up front on SQLite: otherwise a
    # commit by another process in between makes its first write fail at once ("database is locked").
    immediate = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


WRITE_OPTION = "portal_write_transaction"


def begin_write(session: Session | scoped_session[Session]) -> None:
    """Start the session's transaction as a write transaction (BEGIN IMMEDIATE on SQLite; nothing special elsewhere).

    Call it before the first query of a unit of work that will write.
    """
    current = session() if isinstance(session, scoped_session) else session
    if current.in_transaction():
        current.commit()
    current.connection(execution_options={WRITE_OPTION: True})


OutboxRows = list[tuple[int, str]]  # (outbox row id, delivery key), as `portal.mail.outbox.delivery_key` makes them
DISPATCH_HOOK = "outbox_dispatch"
_ACTIVE = "portal_unit_of_work"


def register_dispatch_hook(app: Flask, hook: Callable[[OutboxRows], None]) -> None:
    """How a committed unit of work gets its outbox rows moving; the mail package registers it (this module may not
    import mail). The hook must not raise; the unit of work logs it if it does."""
    app.extensions[DISPATCH_HOOK] = hook


class UnitOfWork:
    """What the body of `unit_of_work()` may do besides writing through the session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rolled_back = False
        self._rows: OutboxRows = []

    def dispatch(self, rows: Iterable[tuple[int, str]]) -> None:
        """Send these outbox rows once the commit succeeds (read now: a commit expires the rows they come from)."""
        if self.rolled_back:
            raise RuntimeError("this unit of work was rolled back; nothing of it is sent")
        self._rows.extend(rows)

    def rollback(self) -> None:
        """Store and send nothing of this unit (a refusal found inside it); the block then ends without a commit."""
        self.session.rollback()
        self._rows.clear()
        self.rolled_back = True

    def _dispatch_committed(self) -> None:
        if not self._rows:
            return
        hook = current_app.extensions.get(DISPATCH_HOOK)
        if hook is None:  # no delivery in this app: the rows wait in the outbox for a sweep
            return
        try:
            hook(list(self._rows))
        except Exception:  # committed is committed: the rows are safe, the workers' sweep sends them
            log.exception("could not dispatch %d committed outbox rows; the sweep will send them", len(self._rows))


@contextmanager
def unit_of_work(session: Session | scoped_session[Session] | None = None) -> Iterator[UnitOfWork]:
    """One write transaction: BEGIN IMMEDIATE on SQLite (see `begin_write`), a transaction elsewhere.

    The block writes through the session (services only flush) and hands outbox rows to `uow.dispatch`. When it
    ends normally the transaction is committed, then the rows are dispatched (never raising). When it raises, or
    called `uow.rollback()`, everything is rolled back and nothing is dispatched. Services that commit inside
    (the importer, the alert run, the outbox's claims) are not called inside one.
    """
    given = session if session is not None else db.session
    current = given() if isinstance(given, scoped_session) else given
    if current.info.get(_ACTIVE):
        raise RuntimeError("a unit of work is already open on this session; its begin would commit the outer one")
    begin_write(current)
    uow = UnitOfWork(current)
    current.info[_ACTIVE] = True
    try:
        try:
            yield uow
        except BaseException:
            current.rollback()
            raise
        if uow.rolled_back:
            current.rollback()  # also ends the reads of a page rendered after the rollback
            return
        current.info.pop(_ACTIVE, None)  # the one commit this unit may make
        try:
            current.commit()
        except BaseException:
            current.rollback()
            raise
    finally:
        current.info.pop(_ACTIVE, None)
    uow._dispatch_committed()


def _refuse_commit_inside_unit(session: Session) -> None:
    # A service that commits (or a begin_write) inside a unit of work would split it in two: the first half stored
    # whatever the second does, and mail dispatched only at the end. Savepoints (begin_nested) are fine.
    if session.info.get(_ACTIVE) and not session.in_nested_transaction():
        raise RuntimeError("commit inside a unit of work: services only flush, the unit commits once")


# An import that created or changed fewer than this share of the trials leaves the statistics as they are.
STATISTICS_STALE_SHARE = 0.05


def refresh_planner_statistics(session: Session | scoped_session[Session], changed: int | None = None) -> bool:
    """ANALYZE after a bulk change, so the query planner knows the tables' sizes and how selective their indexes are.

    SQLite never gathers statistics by itself, so without this it plans every search on guesses; at 100,000
    trials its distance searches were the slower for it (`bench/search_latency.py`). PostgreSQL's autovacuum would
    get there too, a little later. A full ANALYZE takes seconds (7 s at 100,000 trials on PostgreSQL, about 11 s on
    SQLite), which a day's sync of a few thousand changed trials must not pay each time for numbers that barely
    move: with `changed` (trials created or updated), the statistics are refreshed only when that is at least
    STATISTICS_STALE_SHARE of the trials, when the database has none yet, or when the planner's count of trials is
    off by as much (trials deleted, a table emptied). Returns whether it ran; commits.
    """
    if changed is not None:
        trials = int(session.scalar(text("SELECT count(*) FROM trials")) or 0)
        believed = _planner_trials(session)
        margin = STATISTICS_STALE_SHARE * trials
        # The planner's row count is checked too: trials deleted, or a table emptied, leave it wrong.
        if believed is not None and changed < margin and abs(believed - trials) <= margin:
            return False
    session.execute(text("ANALYZE"))
    session.commit()
    return True


def _planner_trials(session: Session | scoped_session[Session]) -> int | None:
    """How many trials the query planner believes there are; None when it has no statistics yet."""
    if session.get_bind().dialect.name == "postgresql":
        tuples = session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'trials'"))
        return None if tuples is None or tuples < 0 else int(tuples)  # -1: never analysed
    if not session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
        return None
    stat = session.scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'trials' LIMIT 1"))
    return int(stat.split()[0]) if stat else None


def _check_parameters(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
    if context is not None and context.execution_options.get(PARAMETERS_CHECKED):
        return
    check_storable(parameters)


def configure_engine(engine: Engine) -> None:
    # Both databases refuse the same values: PostgreSQL rejects NUL in text, SQLite would keep it.
    event.listen(engine, "before_cursor_execute", _check_parameters)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)


def init_database(app: Flask) -> None:
    with app.app_context():
        configure_engine(db.engine)
    if not event.contains(Session, "before_commit", _refuse_commit_inside_unit):
        event.listen(Session, "before_commit", _refuse_commit_inside_unit)


def render_migration_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our UTCDateTime as a plain timezone-aware DateTime in generated migrations."""
    from portal.models.base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
