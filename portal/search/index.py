"""The search index of trials: narrow search facts on both databases, with an FTS5 table on SQLite and a
weighted tsvector column of the facts on PostgreSQL.

Our code, not a trigger, writes the index: the indexed text comes from several places (the trial row, its
conditions, MeSH terms and interventions from the record), and one Python function builds it for both databases,
so both index exactly the same words. The importer calls `index_trial` in the same transaction as the upsert.
On SQLite a trigger deletes a trial's FTS5 row with the trial; the facts (and the PostgreSQL vector with them) go
by the foreign key's cascade. A trigger on both databases copies `trials.hidden` to the facts, whoever changes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, literal_column, select, table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Join

from portal.models.trial import SEARCH_FACT_COLUMNS, SearchFacts, Trial, phase_mask

FTS_TABLE = "trial_search"
FACTS_TABLE = SearchFacts.__tablename__
# PostgreSQL only: the weighted tsvector, a column of search_facts kept outside the ORM, and a smaller one of the
# fields weighted A and B (conditions, titles, treatments, sponsor), the only ones the score reads: ranking
# thousands of matches on the whole text (summary and description too) costs more than the rest of a search.
VECTOR_COLUMN = "search_vector"
RANK_VECTOR_COLUMN = "rank_vector"
RANKED_FIELDS = ("conditions", "titles", "others")
VECTOR_INDEX = "ix_search_facts_search_vector"
# FTS5 column order; bm25 weights in the same order: conditions and titles outrank the description.
FTS_COLUMNS = ("conditions", "titles", "others", "summary", "description")
BM25_WEIGHTS = (10.0, 8.0, 4.0, 2.0, 1.0)
# PostgreSQL weight letters for the same fields, and ts_rank weights for {D, C, B, A}. ts_rank, not ts_rank_cd:
# cover density costs about five times as much per matching trial with the ORed synonym queries, and a broad
# query matches thousands.
PG_WEIGHTS = {"conditions": "A", "titles": "A", "others": "B", "summary": "C", "description": "D"}
PG_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"

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


# search_facts with the vector column the ORM does not know, for writing it.
_pg_facts = table(
    FACTS_TABLE,
    *(column(c.name, c.type) for c in SearchFacts.__table__.columns),
    column(VECTOR_COLUMN),
    column(RANK_VECTOR_COLUMN),
)


@dataclass(frozen=True)
class SearchDocument:
    conditions: str  # conditions, keywords, MeSH terms
    titles: str  # brief and official title, acronym
    others: str  # interventions, sponsor, NCT ID
    summary: str
    description: str

    def fields(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FTS_COLUMNS}


def _join(values: list[str | None]) -> str:
    return "\n".join(v for v in values if v)


def document_for(columns: dict[str, Any], conditions: list[str]) -> SearchDocument:
    """The indexed text of a trial, from its normalised columns (TrialData.columns) and condition names."""
    return SearchDocument(
        conditions=_join([*conditions, *columns.get("keywords", []), *columns.get("mesh_terms", [])]),
        titles=_join([columns.get("brief_title"), columns.get("official_title"), columns.get("acronym")]),
        others=_join([*columns.get("interventions", []), columns.get("sponsor"), columns.get("nct_id")]),
        summary=columns.get("brief_summary") or "",
        description=columns.get("detailed_description") or "",
    )


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def _facts_of(trial: Trial) -> dict[str, Any]:
    return {**{name: getattr(trial, name) for name in SEARCH_FACT_COLUMNS}, "phase_mask": phase_mask(trial.phases)}


def _pg_vector(fields: dict[str, str], names: tuple[str, ...] = FTS_COLUMNS) -> ColumnElement[Any]:
    vector: ColumnElement[Any] | None = None
    for name in names:
        part = func.setweight(func.to_tsvector("english", fields[name]), literal_column(f"'{PG_WEIGHTS[name]}'"))
        vector = part if vector is None else vector.op("||")(part)
    assert vector is not None
    return vector


def index_trial(session: Session, trial: Trial, document: SearchDocument) -> None:
    """Write (or rewrite) one trial's search facts and index entry, in the session's transaction."""
    facts = _facts_of(trial)
    fields = document.fields()
    if dialect_of(session) == "postgresql":
        # One row version per import: the facts and the vector in the same statement.
        values = {**facts, VECTOR_COLUMN: _pg_vector(fields), RANK_VECTOR_COLUMN: _pg_vector(fields, RANKED_FIELDS)}
        insert = postgresql.insert(_pg_facts).values(trial_id=trial.id, **values)
        update_set = {name: insert.excluded[name] for name in values}
        session.execute(insert.on_conflict_do_update(index_elements=["trial_id"], set_=update_set))
        return
    insert = sqlite.insert(SearchFacts).values(trial_id=trial.id, **facts)
    session.execute(insert.on_conflict_do_update(index_elements=[SearchFacts.trial_id], set_=facts))
    session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"), {"id": trial.id})  # noqa: S608
    names = ", ".join(FTS_COLUMNS)
    values_sql = ", ".join(f":{name}" for name in FTS_COLUMNS)
    session.execute(
        text(f"INSERT INTO {FTS_TABLE} (rowid, {names}) VALUES (:id, {values_sql})"),  # noqa: S608
        {**fields, "id": trial.id},
    )


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


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Hide the dialect-specific index from Alembic's comparison: it lives outside the ORM metadata on purpose."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False
    if type_ == "column" and name in {VECTOR_COLUMN, RANK_VECTOR_COLUMN}:
        return False
    return not (type_ == "index" and name == VECTOR_INDEX)
