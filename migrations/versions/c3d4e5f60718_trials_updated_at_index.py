"""Indexes so searches do not read the wide trial rows: trials.updated_at, and on SQLite a covering index.

trials.updated_at: the latest change is found without reading every trial row. On SQLite, a covering index of
every column the search filters, facets and ordering use (portal.search.index.SQLITE_FACTS_COLUMNS): the rows
carry the whole record, so reading them for each of 100,000 trials is what made searches slow there.

Revision ID: c3d4e5f60718
Revises: b7c1d2e3f405
Create Date: 2026-11-26 02:10:00

"""

from alembic import op

# As in portal.search.index (copied, so this migration never changes when that module does).
FACTS_INDEX = "ix_trials_search_facts"
FACTS_COLUMNS = (
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

# revision identifiers, used by Alembic.
revision = "c3d4e5f60718"
down_revision = "b7c1d2e3f405"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trials", schema=None) as batch_op:
        batch_op.create_index("ix_trials_updated_at", ["updated_at"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        columns = ", ".join(FACTS_COLUMNS)
        op.execute(f"CREATE INDEX {FACTS_INDEX} ON trials ({columns})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP INDEX IF EXISTS {FACTS_INDEX}")
    with op.batch_alter_table("trials", schema=None) as batch_op:
        batch_op.drop_index("ix_trials_updated_at")
