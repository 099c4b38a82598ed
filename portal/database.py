"""Engine settings that make SQLite behave like the production database where it matters."""

from __future__ import annotations

import math
import sqlite3
from typing import Any

from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from portal.extensions import db
from portal.validation import check_storable


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


def refresh_planner_statistics(session: Session | scoped_session[Session]) -> None:
    """ANALYZE after a bulk change, so the query planner knows the tables' sizes and how selective their indexes are.

    SQLite never gathers statistics by itself, so without this it plans every search on guesses; at 100,000
    trials its distance searches were the slower for it (`bench/search_latency.py`). PostgreSQL's autovacuum would
    get there too, a little later. A full ANALYZE of 100,000 trials takes about 11 s on SQLite.
    """
    session.execute(text("ANALYZE"))
    session.commit()


def _check_parameters(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
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


def render_migration_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our UTCDateTime as a plain timezone-aware DateTime in generated migrations."""
    from portal.models.base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
