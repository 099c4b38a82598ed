"""The search index's storage: narrow search facts on both databases, with an FTS5 table on SQLite and a
weighted tsvector column of the facts on PostgreSQL, and how one trial is written into them.

Our code, not a trigger, writes the index: the indexed text comes from several places (the trial row, its
conditions, MeSH terms and interventions from the record), and one Python function builds it for both databases,
so both index exactly the same words. The importer calls `index_trial` in the same transaction as the upsert;
portal.search reads the index. On SQLite a trigger deletes a trial's FTS5 row with the trial; the facts (and the
PostgreSQL vector with them) go by the foreign key's cascade. A trigger on both databases copies `trials.hidden`
to the facts, whoever changes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, column, func, literal_column, select, table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.types import Integer, Text

from portal.models.bulk import insert_rows
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
# Bound parameter names of the indexed text in `index_trials`, apart from the facts' column names.
DOC_PREFIX = "doc_"
# PostgreSQL: the temporary table `index_trials` copies a batch into (one per connection, emptied at commit).
STAGING_TABLE = "import_search_facts"
# FTS5 column order; bm25 weights in the same order: conditions and titles outrank the description.
FTS_COLUMNS = ("conditions", "titles", "others", "summary", "description")
BM25_WEIGHTS = (10.0, 8.0, 4.0, 2.0, 1.0)
# PostgreSQL weight letters for the same fields, and ts_rank weights for {D, C, B, A}. ts_rank, not ts_rank_cd:
# cover density costs about five times as much per matching trial with the ORed synonym queries, and a broad
# query matches thousands.
PG_WEIGHTS = {"conditions": "A", "titles": "A", "others": "B", "summary": "C", "description": "D"}
PG_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"

_TEXT = Text()

# The FTS5 table, for writing it in bulk.
_fts = table(FTS_TABLE, column("rowid", Integer()), *(column(name, _TEXT) for name in FTS_COLUMNS))

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


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _facts_of(trial: Trial) -> dict[str, Any]:
    return {**{name: getattr(trial, name) for name in SEARCH_FACT_COLUMNS}, "phase_mask": phase_mask(trial.phases)}


def _pg_vector(
    fields: dict[str, str] | dict[str, ColumnElement[str]], names: tuple[str, ...] = FTS_COLUMNS
) -> ColumnElement[Any]:
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
    if _dialect(session) == "postgresql":
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


@dataclass(frozen=True)
class IndexEntry:
    """One trial for `index_trials`: its id, its search facts, and what its indexed text is made of."""

    trial_id: int
    facts: dict[str, Any]  # SEARCH_FACT_COLUMNS and phase_mask
    columns: dict[str, Any]  # TrialData.columns
    conditions: list[str]


def index_trials(session: Session, entries: list[IndexEntry]) -> None:
    """`index_trial` for many trials at once: one executemany for the facts (with the vectors on PostgreSQL) and,
    on SQLite, one delete and one executemany for the FTS5 rows. The same text as `index_trial` writes."""
    if not entries:
        return
    rows = [
        {"trial_id": entry.trial_id, **entry.facts, **_prefixed(document_for(entry.columns, entry.conditions))}
        for entry in entries
    ]
    names = [name for name in rows[0] if not name.startswith(DOC_PREFIX)]
    if _dialect(session) == "postgresql":
        _index_by_staging(session, rows, names)
        return
    # SQLite: the facts and FTS5 rows of these trials, deleted and written again (no statement built per row).
    ids = [entry.trial_id for entry in entries]
    for start in range(0, len(ids), 500):
        marks = ", ".join(str(int(trial_id)) for trial_id in ids[start : start + 500])
        session.execute(text(f"DELETE FROM {FACTS_TABLE} WHERE trial_id IN ({marks})"))  # noqa: S608
        session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})"))  # noqa: S608
    insert_rows(session, SearchFacts.__table__, [{name: row[name] for name in names} for row in rows])
    insert_rows(
        session,
        _fts,
        [{"rowid": row["trial_id"], **{name: row[DOC_PREFIX + name] for name in FTS_COLUMNS}} for row in rows],
    )


def _index_by_staging(session: Session, rows: list[dict[str, Any]], names: list[str]) -> None:
    """PostgreSQL: COPY the facts and texts into a temporary table, then one INSERT ... SELECT makes the vectors
    and writes (or rewrites) every trial's facts row: one row version each, as `index_trial` writes."""
    docs = ", ".join(f"{DOC_PREFIX}{name} text" for name in FTS_COLUMNS)
    session.execute(
        text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING_TABLE} (LIKE {FACTS_TABLE}, {docs}) ON COMMIT DELETE ROWS")
    )
    staging = table(
        STAGING_TABLE,
        *(column(c.name, c.type) for c in SearchFacts.__table__.columns),
        *(column(DOC_PREFIX + name, _TEXT) for name in FTS_COLUMNS),
    )
    insert_rows(session, staging, rows)
    fields = {name: staging.c[DOC_PREFIX + name] for name in FTS_COLUMNS}
    # The ranked fields' vector is worked out once and the whole vector made from it and the other fields: the
    # same tsvector as _pg_vector(fields) (`||` shifts the positions of what it appends). OFFSET 0 keeps PostgreSQL
    # from folding the subquery into the outer one, which would parse the ranked fields twice again.
    rest = tuple(name for name in FTS_COLUMNS if name not in RANKED_FIELDS)
    ranked = (
        select(
            *(staging.c[name] for name in names),
            *(fields[name] for name in rest),
            _pg_vector(fields, RANKED_FIELDS).label(RANK_VECTOR_COLUMN),
        )
        .offset(0)
        .subquery()
    )
    whole = ranked.c[RANK_VECTOR_COLUMN].op("||")(
        _pg_vector({name: ranked.c[DOC_PREFIX + name] for name in rest}, rest)
    )
    source = select(
        *(ranked.c[name] for name in names),
        whole.label(VECTOR_COLUMN),
        ranked.c[RANK_VECTOR_COLUMN],
    )
    insert = postgresql.insert(_pg_facts).from_select([*names, VECTOR_COLUMN, RANK_VECTOR_COLUMN], source)
    update_set = {
        name: insert.excluded[name] for name in [*names, VECTOR_COLUMN, RANK_VECTOR_COLUMN] if name != "trial_id"
    }
    session.execute(insert.on_conflict_do_update(index_elements=["trial_id"], set_=update_set))
    session.execute(text(f"DELETE FROM {STAGING_TABLE}"))  # noqa: S608


def _prefixed(document: SearchDocument) -> dict[str, str]:
    return {DOC_PREFIX + name: value for name, value in document.fields().items()}


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Hide the dialect-specific index from Alembic's comparison: it lives outside the ORM metadata on purpose."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False
    if type_ == "column" and name in {VECTOR_COLUMN, RANK_VECTOR_COLUMN}:
        return False
    return not (type_ == "index" and name == VECTOR_INDEX)
