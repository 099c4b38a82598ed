"""An index on trials.updated_at, so the latest change is found without reading every (wide) trial row.

Revision ID: c3d4e5f60718
Revises: b7c1d2e3f405
Create Date: 2026-11-26 02:10:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c3d4e5f60718"
down_revision = "b7c1d2e3f405"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trials", schema=None) as batch_op:
        batch_op.create_index("ix_trials_updated_at", ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("trials", schema=None) as batch_op:
        batch_op.drop_index("ix_trials_updated_at")
