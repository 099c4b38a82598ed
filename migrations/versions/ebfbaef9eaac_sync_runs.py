"""sync_runs: each run of `flask trials sync`, its watermark, its place in the paging and its counts.

Revision ID: ebfbaef9eaac
Revises: 99012bcbcf85
Create Date: 2026-12-07 05:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "ebfbaef9eaac"
down_revision = "99012bcbcf85"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lock", sa.String(length=16), nullable=True),
        sa.Column("owner", sa.String(length=300), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("watermark", sa.Date(), nullable=True),
        sa.Column("next_page_token", sa.String(length=1000), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
        sa.UniqueConstraint("lock", name=op.f("uq_sync_runs_lock")),
    )


def downgrade() -> None:
    op.drop_table("sync_runs")
