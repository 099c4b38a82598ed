"""Reading the search index: text matches on SQLite's FTS5 table and PostgreSQL's weighted vector.

The index's tables and how a trial is written into them are in portal.models.search_index, below both the
importer (which writes it) and this package (which reads it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, literal_column, select, table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Join

from portal.models.search_index import (
    BM25_WEIGHTS,
    FACTS_TABLE,
    FTS_TABLE,
    PG_RANK_WEIGHTS,
    RANK_VECTOR_COLUMN,
    VECTOR_COLUMN,
)
from portal.models.trial import SearchFacts

fts_table = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))


class TextFirstJoin(Join):
    """An inner join SQLite runs in the order written, the text index's matches outside: its CROSS JOIN. Left to
    the planner, the order follows the statistics, and a facts table it believes small is read whole with a MATCH
    per trial, which at scale costs many times the index."""

    inherit_cache = True


@compiles(TextFirstJoin, "sqlite")
def _cross_join(join: TextFirstJoin, compiler: SQLCompiler, **kw: Any) -> str:
    sides = {**kw, "asfrom": True}
    left, right = compiler.process(join.left, **sides), compiler.process(join.right, **sides)
    return f"{left} CROSS JOIN {right} ON {compiler.process(join.onclause, **kw)}"


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def pg_text_match(pg_texts: list[Any]) -> tuple[ColumnElement[bool], ColumnElement[float]]:
    """PostgreSQL: the match on search_facts' vector and its score; the texts (strings or bind parameters) are
    ORed."""
    vector = literal_column(f"{FACTS_TABLE}.{VECTOR_COLUMN}")
    rank_vector = literal_column(f"{FACTS_TABLE}.{RANK_VECTOR_COLUMN}")
    tsquery: ColumnElement[Any] = func.websearch_to_tsquery("english", pg_texts[0])
    for extra in pg_texts[1:]:
        tsquery = tsquery.op("||")(func.websearch_to_tsquery("english", extra))
    score = func.ts_rank(literal_column(f"'{PG_RANK_WEIGHTS}'"), rank_vector, tsquery)
    return vector.op("@@")(tsquery), score


def sqlite_text_match(fts_query: Any) -> tuple[ColumnElement[bool], ColumnElement[float]]:
    """SQLite: the MATCH on the FTS5 table and its score (bm25 is lower for better matches, so negated)."""
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    score = -literal_column(f"bm25({FTS_TABLE}, {weights})")
    return literal_column(FTS_TABLE).op("MATCH")(fts_query), score


def matching_ids(dialect: str, fts_query: Any, pg_texts: list[Any]) -> Select[Any]:
    """SELECT trial_id of the trials matching the text."""
    if dialect == "postgresql":
        match, _ = pg_text_match(pg_texts)
        return select(SearchFacts.trial_id.label("trial_id")).where(match)
    match, _ = sqlite_text_match(fts_query)
    return select(fts_table.c.rowid.label("trial_id")).where(match)
