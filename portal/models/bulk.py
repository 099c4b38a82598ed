"""Rows in bulk: COPY on PostgreSQL, a plain executemany on SQLite, for the importer's batches."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableClause

from portal.validation import check_storable


def insert_rows(session: Session, table: TableClause, rows: list[dict[str, Any]]) -> None:
    """Many rows into one table, each row's values bound by the column types as SQLAlchemy would: COPY on
    PostgreSQL, one executemany of plain tuples on SQLite (no statement built per row). Every row has the same
    keys. Refused values are refused as by any other statement (UnstorableInput, or a DBAPIError)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    values = [
        tuple(
            value if process is None else process(value)
            for process, value in zip(processors, row.values(), strict=True)
        )
        for row in rows
    ]
    columns = ", ".join(names)
    if dialect.name != "postgresql":
        marks = ", ".join("?" for _ in names)
        connection.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", values)  # noqa: S608
        return
    statement = f"COPY {table.name} ({columns}) FROM STDIN"
    check_storable(values)  # COPY passes no statement through the engine's own check
    try:
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError(statement, None, exc) from exc
