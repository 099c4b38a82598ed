"""Search facts: a narrow row per trial with what searches filter, count and order by (and, on PostgreSQL, the
weighted tsvector, moved off the wide trial row); sites indexed with their trial for the distance search.

The facts are copied from the trials already imported, phases as bits. On SQLite the covering index of trials this
replaces is dropped; on PostgreSQL trials.search_vector and its GIN index move to search_facts, with a smaller
rank_vector beside it: the same vector's lexemes weighted A and B, which the score reads.

Revision ID: d4e5f6071829
Revises: c3d4e5f60718
Create Date: 2026-12-01 19:50:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "d4e5f6071829"
down_revision = "c3d4e5f60718"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
# As in portal.models.trial.SEARCH_FACT_COLUMNS and PHASES (copied, so this migration never changes when they do).
COPIED = (
    "nct_id",
    "overall_status",
    "hidden",
    "study_type",
    "sex",
    "minimum_age_minutes",
    "maximum_age_minutes",
    "healthy_volunteers",
    "countries",
    "last_update_posted_on",
)
PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
HIDDEN_TRIGGER = "trials_hidden_to_search_facts"
OLD_SQLITE_INDEX = "ix_trials_search_facts"
OLD_SQLITE_INDEX_COLUMNS = (
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


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "search_facts",
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("nct_id", sa.String(length=11), nullable=False),
        sa.Column("overall_status", sa.String(length=40), nullable=False),
        sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("study_type", sa.String(length=40), nullable=True),
        sa.Column("phase_mask", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sex", sa.String(length=10), nullable=True),
        sa.Column("minimum_age_minutes", sa.Integer(), nullable=True),
        sa.Column("maximum_age_minutes", sa.Integer(), nullable=True),
        sa.Column("healthy_volunteers", sa.Boolean(), nullable=True),
        sa.Column("countries", JSON_TYPE, nullable=False),
        sa.Column("last_update_posted_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["trial_id"], ["trials.id"], name=op.f("fk_search_facts_trial_id_trials"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("trial_id", name=op.f("pk_search_facts")),
    )
    columns = ", ".join(COPIED)
    if postgres:
        has_phase = "phases @> '[\"{}\"]'::jsonb"
    else:
        has_phase = "EXISTS (SELECT 1 FROM json_each(phases) WHERE value = '{}')"
    mask = " + ".join(
        f"(CASE WHEN {has_phase.format(code)} THEN {1 << bit} ELSE 0 END)" for bit, code in enumerate(PHASES)
    )
    if postgres:
        op.execute("ALTER TABLE search_facts ADD COLUMN search_vector tsvector, ADD COLUMN rank_vector tsvector")
        op.execute(
            f"INSERT INTO search_facts (trial_id, {columns}, phase_mask, search_vector, rank_vector) "  # noqa: S608
            f"SELECT id, {columns}, {mask}, search_vector, ts_filter(search_vector, '{{a,b}}') FROM trials"
        )
        op.execute("CREATE INDEX ix_search_facts_search_vector ON search_facts USING gin (search_vector)")
        op.execute("DROP INDEX IF EXISTS ix_trials_search_vector")
        op.execute("ALTER TABLE trials DROP COLUMN search_vector")
    else:
        op.execute(
            f"INSERT INTO search_facts (trial_id, {columns}, phase_mask) SELECT id, {columns}, {mask} FROM trials"  # noqa: S608
        )
        op.execute(f"DROP INDEX IF EXISTS {OLD_SQLITE_INDEX}")
    op.create_index(op.f("ix_search_facts_overall_status"), "search_facts", ["overall_status"], unique=False)
    # The importer writes the facts with the index; an operator hides a trial on the trial row, so a trigger
    # copies that, whoever changes it.
    if postgres:
        op.execute(
            "CREATE FUNCTION search_facts_follow_hidden() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE search_facts SET hidden = NEW.hidden WHERE trial_id = NEW.id; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {HIDDEN_TRIGGER} AFTER UPDATE OF hidden ON trials FOR EACH ROW "
            "WHEN (OLD.hidden IS DISTINCT FROM NEW.hidden) EXECUTE FUNCTION search_facts_follow_hidden()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER {HIDDEN_TRIGGER} AFTER UPDATE OF hidden ON trials WHEN old.hidden IS NOT new.hidden "  # noqa: S608
            "BEGIN UPDATE search_facts SET hidden = new.hidden WHERE trial_id = new.id; END"
        )
    op.drop_index("ix_sites_status_lat_lon", table_name="sites")
    op.create_index(
        "ix_sites_status_lat_lon_trial", "sites", ["status", "latitude", "longitude", "trial_id"], unique=False
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_sites_status_lat_lon_trial", table_name="sites")
    op.create_index("ix_sites_status_lat_lon", "sites", ["status", "latitude", "longitude"], unique=False)
    if postgres:
        op.execute("ALTER TABLE trials ADD COLUMN search_vector tsvector")
        op.execute("UPDATE trials SET search_vector = f.search_vector FROM search_facts f WHERE f.trial_id = trials.id")
        op.execute("CREATE INDEX ix_trials_search_vector ON trials USING gin (search_vector)")
    else:
        op.execute(f"CREATE INDEX {OLD_SQLITE_INDEX} ON trials ({', '.join(OLD_SQLITE_INDEX_COLUMNS)})")
    op.execute(f"DROP TRIGGER IF EXISTS {HIDDEN_TRIGGER}" + (" ON trials" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS search_facts_follow_hidden()")
    op.drop_index(op.f("ix_search_facts_overall_status"), table_name="search_facts")
    op.drop_table("search_facts")
