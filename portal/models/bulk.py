"""Rows in bulk: COPY on PostgreSQL, a plain executemany on SQLite, for the importer's batches; long lists of values."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, String, any_, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.sql.schema import Column

from portal.jsontext import EncodedJSON
from portal.validation import PARAMETERS_CHECKED, check_storable


def in_values(session: Session, column: Column[Any] | Any, values: list[Any]) -> ColumnElement[bool]:
    """`column IN values` for a long list (a batch's hundreds of ids): on PostgreSQL `column = ANY(array)`, one
    parameter, because psycopg takes about 10 ms to parse a statement with 500 placeholders."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(values, ARRAY(column.type)))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]


def insert_rows(session: Session, table: TableClause, rows: list[dict[str, Any]]) -> None:
    """Many rows into one table, each row's values bound by the column types as SQLAlchemy would: COPY on
    PostgreSQL, one executemany of plain tuples on SQLite (no statement built per row). Every row has the same
    keys. Refused values are refused as by any other statement (UnstorableInput, or a DBAPIError)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    processors = [
        (index, process)
        for index, name in enumerate(names)
        if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    values = [tuple(row.values()) for row in rows]
    if processors:
        values = [_processed(row, processors) for row in values]
    # The engine's own check (portal.database) looks at every value; here only the text columns need it.
    texts = [index for index, name in enumerate(names) if isinstance(table.c[name].type, String)]
    check_storable([tuple("".join(filter(None, map(itemgetter(index), values))) for index in texts)])
    columns = ", ".join(names)
    if dialect.name != "postgresql":
        marks = ", ".join("?" for _ in names)
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({columns}) VALUES ({marks})",  # noqa: S608
            values,
            execution_options={PARAMETERS_CHECKED: True},
        )
        return
    statement = f"COPY {table.name} ({columns}) FROM STDIN"
    try:
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError(statement, None, exc) from exc


def _processed(row: tuple[Any, ...], processors: list[tuple[int, Any]]) -> tuple[Any, ...]:
    out = list(row)
    for index, process in processors:
        value = out[index]
        out[index] = str(value) if isinstance(value, EncodedJSON) else process(value)
    return tuple(out)
