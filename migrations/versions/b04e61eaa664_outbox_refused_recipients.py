"""Outbox: the recipients a server refused, so a partly refused message is no longer counted as sent.

refused_recipients maps each recipient who has not got the message to the server's last reply. The status
"partial" (some recipients got it, the rest were refused for good) needs no schema change: status is a String(10).

Revision ID: b04e61eaa664
Revises: d4e5f6071829
Create Date: 2026-12-04 18:17:45.896891

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "b04e61eaa664"
down_revision = "d4e5f6071829"
branch_labels = None
depends_on = None

# JSONB on PostgreSQL, JSON text on SQLite, as in portal.models.base.JSONType.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refused_recipients", JSON_TYPE, nullable=True))


def downgrade() -> None:
    # The code before this revision knows no "partial", and would send a partly sent message to every recipient
    # again. It recorded such a message as sent (with "refused: ..." in last_error): do the same, so nobody who
    # got it gets it twice. That includes partly sent messages waiting for a retry of their refused recipients.
    op.execute(
        "UPDATE outbox_emails SET status = 'sent', claim_token = NULL "
        "WHERE status = 'partial' OR (status IN ('pending', 'sending') AND sent_at IS NOT NULL)"
    )
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_column("refused_recipients")
