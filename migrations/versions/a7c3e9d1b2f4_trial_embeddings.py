"""Trial embeddings: one vector per trial for matching by meaning (float32 bytes), keyed on a hash of the embedded
text and the model, so an unchanged trial is not embedded again.

Revision ID: a7c3e9d1b2f4
Revises: a7c3e9d2b418
Create Date: 2026-12-07 02:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e9d1b2f4"
down_revision = "a7c3e9d2b418"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trial_embeddings",
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(length=100), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("embedded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trial_id"], ["trials.id"], name=op.f("fk_trial_embeddings_trial_id_trials"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("trial_id", name=op.f("pk_trial_embeddings")),
    )
    op.create_index("ix_trial_embeddings_embedded_at", "trial_embeddings", ["embedded_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_trial_embeddings_embedded_at", table_name="trial_embeddings")
    op.drop_table("trial_embeddings")
