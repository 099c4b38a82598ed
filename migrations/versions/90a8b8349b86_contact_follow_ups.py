"""Closing the loop on contact requests: the patient's status link nonce, the site reminder and the escalation
times, the outbox's unique keys (a reminder or an offer is written at most once), and the indexes the follow-up
scheduler and the response-time figures read.

Revision ID: 90a8b8349b86
Revises: ebfbaef9eaac
Create Date: 2026-12-07 05:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "90a8b8349b86"
down_revision = "ebfbaef9eaac"
branch_labels = None
depends_on = None

AWAITING = "first_response_at IS NULL AND escalated_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_nonce", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_contact_requests_status_nonce"), ["status_nonce"])
        batch_op.create_index("ix_contact_requests_created_at", ["created_at"], unique=False)
    # Partial: only the requests still waiting for a first response (see portal.contact.follow_up).
    op.create_index(
        "ix_contact_requests_awaiting_reply",
        "contact_requests",
        ["created_at"],
        unique=False,
        sqlite_where=sa.text(AWAITING),
        postgresql_where=sa.text(AWAITING),
    )
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unique_key", sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_emails_unique_key"), ["unique_key"])


def downgrade() -> None:
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_outbox_emails_unique_key"), type_="unique")
        batch_op.drop_column("unique_key")
    op.drop_index("ix_contact_requests_awaiting_reply", table_name="contact_requests")
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_requests_created_at")
        batch_op.drop_constraint(batch_op.f("uq_contact_requests_status_nonce"), type_="unique")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("status_nonce")
