"""Full-text search: an FTS5 table (SQLite) or a weighted tsvector with a GIN index (PostgreSQL); MeSH terms,
interventions and site countries on the trial row.

Revision ID: b7c1d2e3f405
Revises: 4572aab2e463
Create Date: 2026-11-26 01:40:00.000000

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "b7c1d2e3f405"
down_revision = "4572aab2e463"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
NEW_COLUMNS = ("mesh_terms", "interventions", "countries")
FTS_COLUMNS = "conditions, titles, others, summary, description"
BACKFILL_BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table("trials", schema=None) as batch_op:
        for name in NEW_COLUMNS:
            batch_op.add_column(sa.Column(name, JSON_TYPE, nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index("ix_sites_status_lat_lon", ["status", "latitude", "longitude"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE trials ADD COLUMN search_vector tsvector")
        op.execute("CREATE INDEX ix_trials_search_vector ON trials USING gin (search_vector)")
    else:
        op.execute(
            f"CREATE VIRTUAL TABLE trial_search USING fts5({FTS_COLUMNS}, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        # A deleted trial leaves the index in the same transaction, whoever deletes it.
        op.execute(
            "CREATE TRIGGER trial_search_trial_deleted AFTER DELETE ON trials "
            "BEGIN DELETE FROM trial_search WHERE rowid = old.id; END"
        )
    _backfill()


def _backfill() -> None:
    """Index the trials already imported, from their stored records, with the importer's own code."""
    from sqlalchemy.orm import Session

    from portal.ctgov.record import RecordError, normalise_study
    from portal.models.search_index import document_for, index_trial

    session = Session(bind=op.get_bind())
    trials = sa.table("trials", sa.column("id", sa.Integer), sa.column("raw", JSON_TYPE))
    last_id = 0
    while True:
        rows = session.execute(
            sa.select(trials.c.id, trials.c.raw)
            .where(trials.c.id > last_id)
            .order_by(trials.c.id)
            .limit(BACKFILL_BATCH)
        ).all()
        if not rows:
            break
        for trial_id, raw in rows:
            last_id = trial_id
            try:
                data = normalise_study(raw)
            except RecordError:
                continue  # it was imported, so this cannot happen; an unreadable record stays unindexed
            session.execute(
                sa.text(
                    "UPDATE trials SET mesh_terms = :m, interventions = :i, countries = :c WHERE id = :id"
                ).bindparams(
                    sa.bindparam("m", type_=JSON_TYPE),
                    sa.bindparam("i", type_=JSON_TYPE),
                    sa.bindparam("c", type_=JSON_TYPE),
                ),
                {
                    "m": data.columns["mesh_terms"],
                    "i": data.columns["interventions"],
                    "c": data.columns["countries"],
                    "id": trial_id,
                },
            )
            index_trial(session, trial_id, document_for(data.columns, data.conditions))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_trials_search_vector")
        op.execute("ALTER TABLE trials DROP COLUMN IF EXISTS search_vector")
    else:
        op.execute("DROP TRIGGER IF EXISTS trial_search_trial_deleted")
        op.execute("DROP TABLE IF EXISTS trial_search")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index("ix_sites_status_lat_lon")
    with op.batch_alter_table("trials", schema=None) as batch_op:
        for name in reversed(NEW_COLUMNS):
            batch_op.drop_column(name)
