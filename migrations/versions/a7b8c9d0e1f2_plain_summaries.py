"""Plain-language summaries: one "In plain words" text per trial, written by an operator or a site member, with the
hash (and text) of the registry summary it was written against and a flag set when a re-import changes that.

Revision ID: a7b8c9d0e1f2
Revises: f1a2b3c4d5e6
Create Date: 2026-12-07 02:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7b8c9d0e1f2"
down_revision = "f1a2b3c4d5e6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plain_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("written_by", sa.String(length=10), nullable=False),
        sa.Column("registry_summary_hash", sa.String(length=64), nullable=False),
        sa.Column("registry_summary_text", sa.Text(), nullable=True),
        sa.Column("needs_review", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["users.id"],
            name=op.f("fk_plain_summaries_author_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_plain_summaries_site_id_sites"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["trial_id"], ["trials.id"], name=op.f("fk_plain_summaries_trial_id_trials"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plain_summaries")),
        sa.UniqueConstraint("trial_id", name=op.f("uq_plain_summaries_trial_id")),
    )
    with op.batch_alter_table("plain_summaries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plain_summaries_author_user_id"), ["author_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plain_summaries_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plain_summaries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plain_summaries_site_id"))
        batch_op.drop_index(batch_op.f("ix_plain_summaries_author_user_id"))
    op.drop_table("plain_summaries")
