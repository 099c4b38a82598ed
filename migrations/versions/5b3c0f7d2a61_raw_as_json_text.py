"""A trial's record as imported (`trials.raw`) kept as `json` text on PostgreSQL, compressed with lz4 where the
server supports it.

No query looks inside the record; the portal reads it whole. JSONB made the server parse each record into its
binary form on every write (and back to text on every read), and pglz is the slower of PostgreSQL's two
compressions. Measured on 3,000 real-derived records: COPY of the column 1.95 s as JSONB under pglz, 0.89 s as
json under lz4, in 16 MB instead of 18 MB. SQLite stores JSON as text already: nothing changes there.

The type change rewrites the table once (minutes for hundreds of thousands of trials). A server built without lz4
keeps its default compression: the statement that asks for lz4 is skipped, not failed.

Revision ID: 5b3c0f7d2a61
Revises: e966f6786738
Create Date: 2026-12-07 15:20:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "5b3c0f7d2a61"
down_revision = "e966f6786738"
branch_labels = None
depends_on = None


def _has_lz4(bind) -> bool:
    # PostgreSQL 14 and later list lz4 here only when they were built with it.
    query = "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
    return bool(bind.scalar(sa.text(query)))


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    compression = ", ALTER COLUMN raw SET COMPRESSION lz4" if _has_lz4(bind) else ""
    op.execute(f"ALTER TABLE trials ALTER COLUMN raw TYPE json USING raw::json{compression}")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.alter_column(
        "trials",
        "raw",
        type_=postgresql.JSONB(),
        existing_type=sa.JSON(),
        postgresql_using="raw::jsonb",
        existing_nullable=False,
    )
    op.execute("ALTER TABLE trials ALTER COLUMN raw SET COMPRESSION default")
