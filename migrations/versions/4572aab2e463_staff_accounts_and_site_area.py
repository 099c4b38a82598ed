"""Staff accounts and sessions, site memberships, request history, the audit log, hidden trials.

Revision ID: 4572aab2e463
Revises: 6a30ab848844
Create Date: 2026-11-26 00:53:31.898730

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4572aab2e463"
down_revision = "6a30ab848844"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_email", sa.String(length=320), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("contact_request_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_contact_request_id"), ["contact_request_id"], unique=False)
        batch_op.create_index("ix_audit_events_created_at", ["created_at"], unique=False)

    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("ip_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.create_index("ix_sign_in_failures_account", ["account_key", "created_at"], unique=False)
        batch_op.create_index("ix_sign_in_failures_ip", ["ip_key", "created_at"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "site_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_memberships_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_site_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_memberships")),
        sa.UniqueConstraint("user_id", "site_id", name=op.f("uq_site_memberships_user_id_site_id")),
    )
    with op.batch_alter_table("site_memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_memberships_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_memberships_user_id"), ["user_id"], unique=False)

    op.create_table(
        "contact_request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_request_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("old_status", sa.String(length=20), nullable=True),
        sa.Column("new_status", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_request_id"],
            ["contact_requests.id"],
            name=op.f("fk_contact_request_events_contact_request_id_contact_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_contact_request_events_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_request_events")),
    )
    with op.batch_alter_table("contact_request_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_request_events_contact_request_id"), ["contact_request_id"], unique=False
        )

    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("trials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("trials", schema=None) as batch_op:
        batch_op.drop_column("hidden")

    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.drop_column("first_response_at")

    with op.batch_alter_table("contact_request_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_request_events_contact_request_id"))

    op.drop_table("contact_request_events")
    with op.batch_alter_table("site_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_memberships_user_id"))
        batch_op.drop_index(batch_op.f("ix_site_memberships_site_id"))

    op.drop_table("site_memberships")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))

    op.drop_table("user_sessions")
    op.drop_table("users")
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_failures_ip")
        batch_op.drop_index("ix_sign_in_failures_account")

    op.drop_table("sign_in_failures")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_created_at")
        batch_op.drop_index(batch_op.f("ix_audit_events_contact_request_id"))

    op.drop_table("audit_events")
