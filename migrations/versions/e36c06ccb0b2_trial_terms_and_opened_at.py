"""Searchable trial terms, and when a trial opened to people.

Revision ID: e36c06ccb0b2
Revises: dcb2098701be
Create Date: 2026-11-25 22:21:18.311711

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e36c06ccb0b2"
down_revision = "dcb2098701be"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trial_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("phrase", sa.String(length=200), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trial_id"], ["trials.id"], name=op.f("fk_trial_terms_trial_id_trials"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_terms")),
        sa.UniqueConstraint("trial_id", "phrase", name=op.f("uq_trial_terms_trial_id_phrase")),
    )
    with op.batch_alter_table("trial_terms", schema=None) as batch_op:
        batch_op.create_index("ix_trial_terms_phrase", ["phrase"], unique=False)

    with op.batch_alter_table("trials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_trials_opened_at"), ["opened_at"], unique=False)
    # Trials already open count as opened when first seen. Their terms are filled by the next import:
    # the importer's NORMALISER_VERSION changed with this revision, so every record counts as updated once.
    op.execute(
        "UPDATE trials SET opened_at = first_seen_at WHERE overall_status IN ('RECRUITING', 'NOT_YET_RECRUITING')"
    )


def downgrade() -> None:
    with op.batch_alter_table("trials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trials_opened_at"))
        batch_op.drop_column("opened_at")

    with op.batch_alter_table("trial_terms", schema=None) as batch_op:
        batch_op.drop_index("ix_trial_terms_phrase")

    op.drop_table("trial_terms")
