"""Outbox bodies compressed with lz4 on PostgreSQL (when the server has it): an alert run writes tens of thousands.

PostgreSQL compresses every body of an email (several kB of HTML) when the row is written; with its default, pglz,
that took 150 to 180 microseconds a row here, with lz4 70 to 80, for 3% more room (bench/README.md,
alerts_matching.py). Rows already written keep their compression. SQLite stores the bodies as they are.

Revision ID: 5b1e0c4a7d21
Revises: 8d2e4a6c1f90 (written on e966f6786738; moved after the import migrations when main gained them)
Create Date: 2026-12-07 16:00:00
"""

from alembic import op
from sqlalchemy import text

revision = "5b1e0c4a7d21"
down_revision = "8d2e4a6c1f90"
branch_labels = None
depends_on = None

COLUMNS = ("body_text", "body_html")


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    # PostgreSQL 14 and later list lz4 here only when they were built with it.
    return bool(
        bind.scalar(
            text("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)")
        )
    )


def upgrade():
    if _lz4_available():
        columns = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION lz4" for column in COLUMNS)
        op.execute(f"ALTER TABLE outbox_emails {columns}")


def downgrade():
    if _lz4_available():
        columns = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION default" for column in COLUMNS)
        op.execute(f"ALTER TABLE outbox_emails {columns}")
