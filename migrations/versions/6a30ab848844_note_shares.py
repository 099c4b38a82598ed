"""Shared notes (passcode-protected snapshots) and wrong-passcode counts per link.

Revision ID: 6a30ab848844
Revises: 38eb2bb07407
Create Date: 2026-11-26 00:49:42.386658

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "6a30ab848844"
down_revision = "38eb2bb07407"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "note_share_attempts",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_note_share_attempts")),
    )
    with op.batch_alter_table("note_share_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_note_share_attempts_window_started_at"), ["window_started_at"], unique=False
        )

    op.create_table(
        "note_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("owner_token_hash", sa.String(length=64), nullable=False),
        sa.Column("passcode_hash", sa.Text(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("nct_id", sa.String(length=11), nullable=False),
        sa.Column("trial_title", sa.Text(), nullable=False),
        sa.Column("trial_last_update", sa.Date(), nullable=True),
        sa.Column("notes", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trial_id"], ["trials.id"], name=op.f("fk_note_shares_trial_id_trials"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_shares")),
        sa.UniqueConstraint("owner_token_hash", name=op.f("uq_note_shares_owner_token_hash")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_note_shares_token_hash")),
    )
    with op.batch_alter_table("note_shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_note_shares_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_note_shares_trial_id"), ["trial_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("note_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_shares_trial_id"))
        batch_op.drop_index(batch_op.f("ix_note_shares_expires_at"))
    op.drop_table("note_shares")
    with op.batch_alter_table("note_share_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_share_attempts_window_started_at"))
    op.drop_table("note_share_attempts")
