"""The full-text index of trials: an FTS5 table on SQLite, a weighted tsvector column on PostgreSQL.

Our code, not a trigger, writes the index: the indexed text comes from several places (the trial row, its
conditions, MeSH terms and interventions from the record), and one Python function builds it for both databases,
so both index exactly the same words. The importer calls `index_trial` in the same transaction as the upsert.
On SQLite a trigger deletes a trial's FTS5 row with the trial; on PostgreSQL the vector lives on the row itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from portal.models.trial import Trial

FTS_TABLE = "trial_search"
VECTOR_COLUMN = "search_vector"
VECTOR_INDEX = "ix_trials_search_vector"
# SQLite only: every column the filters, facets and ordering read, so searches run from this index and never
# read the trial rows themselves, which are wide (the whole record is stored with them). PostgreSQL keeps wide
# values out of line (TOAST) and does not need it.
SQLITE_FACTS_INDEX = "ix_trials_search_facts"
SQLITE_FACTS_COLUMNS = (
    "overall_status",
    "hidden",
    "study_type",
    "sex",
    "healthy_volunteers",
    "minimum_age_minutes",
    "maximum_age_minutes",
    "last_update_posted_on",
    "nct_id",
    "phases",
    "countries",
)
# FTS5 column order; bm25 weights in the same order: conditions and titles outrank the description.
FTS_COLUMNS = ("conditions", "titles", "others", "summary", "description")
BM25_WEIGHTS = (10.0, 8.0, 4.0, 2.0, 1.0)
# PostgreSQL weight letters for the same fields, and ts_rank_cd weights for {D, C, B, A}.
PG_WEIGHTS = {"conditions": "A", "titles": "A", "others": "B", "summary": "C", "description": "D"}
PG_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"

_fts = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))
_trials = table("trials", column("id"), column(VECTOR_COLUMN))


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


def index_trial(session: Session, trial_id: int, document: SearchDocument) -> None:
    """Write (or rewrite) one trial's index entry, in the session's transaction."""
    fields = document.fields()
    if dialect_of(session) == "postgresql":
        vector = " || ".join(
            f"setweight(to_tsvector('english', :{name}), '{PG_WEIGHTS[name]}')" for name in FTS_COLUMNS
        )
        statement = text(f"UPDATE trials SET {VECTOR_COLUMN} = {vector} WHERE id = :id")  # noqa: S608
        session.execute(statement, {**fields, "id": trial_id})
    else:
        session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"), {"id": trial_id})  # noqa: S608
        names = ", ".join(FTS_COLUMNS)
        values = ", ".join(f":{name}" for name in FTS_COLUMNS)
        session.execute(
            text(f"INSERT INTO {FTS_TABLE} (rowid, {names}) VALUES (:id, {values})"),  # noqa: S608
            {**fields, "id": trial_id},
        )


def matching_ids(dialect: str, fts_query: str, pg_texts: list[str], with_score: bool = True) -> Select[Any]:
    """SELECT trial_id[, score] of the trials matching the text; a higher score is a better match."""
    if dialect == "postgresql":
        vector = literal_column(f"trials.{VECTOR_COLUMN}")
        tsquery: ColumnElement[Any] = func.websearch_to_tsquery("english", pg_texts[0])
        for extra in pg_texts[1:]:
            tsquery = tsquery.op("||")(func.websearch_to_tsquery("english", extra))
        score = func.ts_rank_cd(literal_column(f"'{PG_RANK_WEIGHTS}'"), vector, tsquery)
        columns = [Trial.id.label("trial_id"), score.label("score")] if with_score else [Trial.id.label("trial_id")]
        return select(*columns).where(vector.op("@@")(tsquery))
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    # bm25() is lower for better matches.
    score = -literal_column(f"bm25({FTS_TABLE}, {weights})")
    columns = [_fts.c.rowid.label("trial_id"), score.label("score")] if with_score else [_fts.c.rowid.label("trial_id")]
    return select(*columns).where(literal_column(FTS_TABLE).op("MATCH")(fts_query))


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Hide the dialect-specific index from Alembic's comparison: it lives outside the ORM metadata on purpose."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False
    if type_ == "column" and name == VECTOR_COLUMN:
        return False
    return not (type_ == "index" and name in {VECTOR_INDEX, SQLITE_FACTS_INDEX})
