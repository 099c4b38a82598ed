"""Patient Notification Services: subscribers, their conditions, trial alerts and matching runs.

Also gives outbox rows a subscriber (deleted with them) and extra headers (List-Unsubscribe).

Revision ID: 38eb2bb07407
Revises: e36c06ccb0b2
Create Date: 2026-11-26 00:48:48.335678

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# JSONB on PostgreSQL, JSON text on SQLite, as in portal.models.base.JSONType.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

# revision identifiers, used by Alembic.
revision = "38eb2bb07407"
down_revision = "e36c06ccb0b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alerts_created", sa.Integer(), nullable=False),
        sa.Column("emails_written", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_runs")),
    )
    with op.batch_alter_table("alert_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_runs_started_at"), ["started_at"], unique=False)

    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("place_query", sa.String(length=120), nullable=True),
        sa.Column("place_label", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("radius_km", sa.Float(), nullable=True),
        sa.Column("distance_unit", sa.String(length=2), nullable=False),
        sa.Column("min_latitude", sa.Float(), nullable=True),
        sa.Column("max_latitude", sa.Float(), nullable=True),
        sa.Column("min_longitude", sa.Float(), nullable=True),
        sa.Column("max_longitude", sa.Float(), nullable=True),
        sa.Column("token_nonce", sa.String(length=32), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_digest_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscribers")),
        sa.UniqueConstraint("email", name=op.f("uq_subscribers_email")),
    )
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.create_index("ix_subscribers_status_frequency", ["status", "frequency"], unique=False)

    op.create_table(
        "subscriber_conditions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("phrase", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_subscriber_conditions_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriber_conditions")),
        sa.UniqueConstraint("subscriber_id", "phrase", name=op.f("uq_subscriber_conditions_subscriber_id_phrase")),
    )
    with op.batch_alter_table("subscriber_conditions", schema=None) as batch_op:
        batch_op.create_index("ix_subscriber_conditions_phrase", ["phrase"], unique=False)

    op.create_table(
        "trial_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("matched_phrase", sa.String(length=200), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("distance_km", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notice_batch", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_trial_alerts_site_id_sites"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_trial_alerts_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trial_id"], ["trials.id"], name=op.f("fk_trial_alerts_trial_id_trials"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_alerts")),
        sa.UniqueConstraint("subscriber_id", "trial_id", name=op.f("uq_trial_alerts_subscriber_id_trial_id")),
    )
    with op.batch_alter_table("trial_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trial_alerts_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trial_alerts_trial_id"), ["trial_id"], unique=False)
        batch_op.create_index("ix_trial_alerts_waiting", ["notified_at", "subscriber_id"], unique=False)

    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subscriber_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("headers", JSON_TYPE, nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_emails_subscriber_id"), ["subscriber_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_emails_subscriber_id_subscribers"),
            "subscribers",
            ["subscriber_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_emails_subscriber_id_subscribers"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_emails_subscriber_id"))
        batch_op.drop_column("headers")
        batch_op.drop_column("subscriber_id")

    with op.batch_alter_table("trial_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_trial_alerts_waiting")
        batch_op.drop_index(batch_op.f("ix_trial_alerts_trial_id"))
        batch_op.drop_index(batch_op.f("ix_trial_alerts_site_id"))

    op.drop_table("trial_alerts")
    with op.batch_alter_table("subscriber_conditions", schema=None) as batch_op:
        batch_op.drop_index("ix_subscriber_conditions_phrase")

    op.drop_table("subscriber_conditions")
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_index("ix_subscribers_status_frequency")

    op.drop_table("subscribers")
    with op.batch_alter_table("alert_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_runs_started_at"))

    op.drop_table("alert_runs")
