"""Contact requests: the "Could this study fit me?" answers a patient chose to attach (NULL when not attached).

Revision ID: a7c3e9d2b418
Revises: a7b8c9d0e1f2
Create Date: 2026-12-07 02:40:00.000000

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "a7c3e9d2b418"
down_revision = "a7b8c9d0e1f2"
branch_labels = None
depends_on = None

# JSONB on PostgreSQL, JSON text on SQLite, as in portal.models.base.JSONType.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("self_check_answers", JSON_TYPE, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.drop_column("self_check_answers")
