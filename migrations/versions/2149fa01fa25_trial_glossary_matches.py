"""The glossary terms, criteria abbreviations and HPO conditions each trial's page explains, worked out at import
and kept with the glossary version they were matched against.

Revision ID: 2149fa01fa25
Revises: a7c3e9d1b2f4
Create Date: 2026-12-07 02:30:00.000000

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "2149fa01fa25"
down_revision = "a7c3e9d1b2f4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trial_glossary_matches",
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("glossary_version", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "matches", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trial_id"], ["trials.id"], name=op.f("fk_trial_glossary_matches_trial_id_trials"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("trial_id", name=op.f("pk_trial_glossary_matches")),
    )


def downgrade() -> None:
    op.drop_table("trial_glossary_matches")
