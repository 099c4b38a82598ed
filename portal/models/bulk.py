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

from portal import jsontext
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
    # Binary COPY: no escaping of the text on either side (a record's copy is 14 KB of JSON on average), and each
    # value sent in the column's own binary form, as psycopg dumps it for that type.
    statement = f"COPY {table.name} ({columns}) FROM STDIN (FORMAT BINARY)"
    driver = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor:
            oids = _column_oids(cursor, table.name, tuple(names))
            as_text = [index for index, oid in enumerate(oids) if oid == JSON_OID]
            if as_text:
                values = [_json_as_text(row, as_text) for row in values]
            with cursor.copy(statement) as copy:
                # A json column takes its text as it is (json_recv reads text): sent as text, not encoded again.
                copy.set_types([TEXT_OID if oid == JSON_OID else oid for oid in oids])
                for row in values:
                    copy.write_row(row)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError(statement, None, exc) from exc


# PostgreSQL's built-in type oids (fixed in its catalogue) used here.
JSON_OID = 114
TEXT_OID = 25


def _column_oids(cursor: Any, table_name: str, names: tuple[str, ...]) -> list[int]:
    """The columns' type oids, as the server describes them (a query of no rows). Asked for each COPY, not kept:
    a round trip per table and batch, and never wrong about a table a migration has just changed."""
    cursor.execute(f"SELECT {', '.join(names)} FROM {table_name} LIMIT 0")  # noqa: S608
    return [description.type_code for description in cursor.description]


def _json_as_text(row: tuple[Any, ...], indexes: list[int]) -> tuple[Any, ...]:
    """A json column's bound value as JSON text: the record's canonical copy is text already (EncodedJSON), and
    what SQLAlchemy's JSON type wrapped for the driver (psycopg's Json, None included: JSON's null) is encoded by
    the engine's serializer. A None left unwrapped is SQL NULL."""
    from psycopg.types.json import Json

    out = list(row)
    for index in indexes:
        value = out[index]
        if isinstance(value, Json):
            out[index] = jsontext.dumps(value.obj)
        elif value is not None and not isinstance(value, str):
            out[index] = jsontext.dumps(value)
    return tuple(out)


def _processed(row: tuple[Any, ...], processors: list[tuple[int, Any]]) -> tuple[Any, ...]:
    out = list(row)
    for index, process in processors:
        value = out[index]
        out[index] = str(value) if isinstance(value, EncodedJSON) else process(value)
    return tuple(out)
