"""The portal language a patient used, on contact requests, alert subscribers and note shares.

Revision ID: e966f6786738
Revises: 90a8b8349b86 (written on 2149fa01fa25; moved after the phone queue's migration when main gained it)
Create Date: 2026-12-07 05:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e966f6786738"
down_revision = "90a8b8349b86"
branch_labels = None
depends_on = None

TABLES = ("contact_requests", "subscribers", "note_shares")


def upgrade():
    # Rows from before were written on an English-only portal: "en" is what they used.
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("ui_locale", sa.String(length=10), server_default="en", nullable=False))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("ui_locale")
