"""Trials, their conditions and sites, and FAQs.

Revision ID: 6857172f7e97
Revises:
Create Date: 2026-11-25 20:40:49.319743

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "6857172f7e97"
down_revision = None
branch_labels = None
depends_on = None

# JSONB on PostgreSQL, JSON text on SQLite, as in portal.models.base.JSONType.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "trials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nct_id", sa.String(length=11), nullable=False),
        sa.Column("brief_title", sa.Text(), nullable=False),
        sa.Column("official_title", sa.Text(), nullable=True),
        sa.Column("acronym", sa.String(length=100), nullable=True),
        sa.Column("overall_status", sa.String(length=40), nullable=False),
        sa.Column("study_type", sa.String(length=40), nullable=True),
        sa.Column("phases", JSON_TYPE, nullable=False),
        sa.Column("sex", sa.String(length=10), nullable=True),
        sa.Column("minimum_age_minutes", sa.Integer(), nullable=True),
        sa.Column("maximum_age_minutes", sa.Integer(), nullable=True),
        sa.Column("minimum_age_text", sa.String(length=40), nullable=True),
        sa.Column("maximum_age_text", sa.String(length=40), nullable=True),
        sa.Column("healthy_volunteers", sa.Boolean(), nullable=True),
        sa.Column("brief_summary", sa.Text(), nullable=True),
        sa.Column("detailed_description", sa.Text(), nullable=True),
        sa.Column("eligibility_criteria", sa.Text(), nullable=True),
        sa.Column("keywords", JSON_TYPE, nullable=False),
        sa.Column("sponsor", sa.Text(), nullable=True),
        sa.Column("collaborators", JSON_TYPE, nullable=False),
        sa.Column("start_date", sa.String(length=10), nullable=True),
        sa.Column("start_date_type", sa.String(length=10), nullable=True),
        sa.Column("completion_date", sa.String(length=10), nullable=True),
        sa.Column("completion_date_type", sa.String(length=10), nullable=True),
        sa.Column("first_posted_on", sa.Date(), nullable=True),
        sa.Column("last_update_posted_on", sa.Date(), nullable=True),
        sa.Column("enrollment_count", sa.Integer(), nullable=True),
        sa.Column("enrollment_type", sa.String(length=10), nullable=True),
        sa.Column("central_contacts", JSON_TYPE, nullable=False),
        sa.Column("overall_officials", JSON_TYPE, nullable=False),
        sa.Column("raw", JSON_TYPE, nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trials")),
        sa.UniqueConstraint("nct_id", name=op.f("uq_trials_nct_id")),
    )
    with op.batch_alter_table("trials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trials_last_update_posted_on"), ["last_update_posted_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_trials_overall_status"), ["overall_status"], unique=False)

    op.create_table(
        "faqs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["trial_id"], ["trials.id"], name=op.f("fk_faqs_trial_id_trials"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faqs")),
    )
    with op.batch_alter_table("faqs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faqs_trial_id"), ["trial_id"], unique=False)

    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("site_key", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("facility", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("zip", sa.String(length=20), nullable=True),
        sa.Column("country", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("contacts", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["trial_id"], ["trials.id"], name=op.f("fk_sites_trial_id_trials"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("trial_id", "site_key", name=op.f("uq_sites_trial_id_site_key")),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index("ix_sites_lat_lon", ["latitude", "longitude"], unique=False)
        batch_op.create_index(batch_op.f("ix_sites_trial_id"), ["trial_id"], unique=False)

    op.create_table(
        "trial_conditions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_lower", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trial_id"], ["trials.id"], name=op.f("fk_trial_conditions_trial_id_trials"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_conditions")),
        sa.UniqueConstraint("trial_id", "position", name=op.f("uq_trial_conditions_trial_id_position")),
    )
    with op.batch_alter_table("trial_conditions", schema=None) as batch_op:
        batch_op.create_index("ix_trial_conditions_name_lower", ["name_lower"], unique=False)
        batch_op.create_index(batch_op.f("ix_trial_conditions_trial_id"), ["trial_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("trial_conditions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trial_conditions_trial_id"))
        batch_op.drop_index("ix_trial_conditions_name_lower")

    op.drop_table("trial_conditions")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sites_trial_id"))
        batch_op.drop_index("ix_sites_lat_lon")

    op.drop_table("sites")
    with op.batch_alter_table("faqs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faqs_trial_id"))

    op.drop_table("faqs")
    with op.batch_alter_table("trials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trials_overall_status"))
        batch_op.drop_index(batch_op.f("ix_trials_last_update_posted_on"))

    op.drop_table("trials")
