"""The phone queue: why the portal team must phone a request's site (no address in the registry, or the site's
address refused our email for good), what the call achieved, and the addresses that refused a site's requests.

Requests already marked for a phone call went to the portal team because the registry lists no address: they get
the reason "no_email".

Revision ID: 99012bcbcf85
Revises: 2149fa01fa25
Create Date: 2026-12-07 05:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "99012bcbcf85"
down_revision = "2149fa01fa25"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_reason", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("phone_outcome", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("phone_outcome_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_contact_requests_phone_reason"), ["phone_reason"], unique=False)
    op.execute("UPDATE contact_requests SET phone_reason = 'no_email' WHERE needs_phone_call")
    op.create_table(
        "undeliverable_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_undeliverable_addresses_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_undeliverable_addresses")),
        sa.UniqueConstraint("site_id", "email", name=op.f("uq_undeliverable_addresses_site_id_email")),
    )
    with op.batch_alter_table("undeliverable_addresses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_undeliverable_addresses_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("undeliverable_addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_undeliverable_addresses_site_id"))
    op.drop_table("undeliverable_addresses")
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_requests_phone_reason"))
        batch_op.drop_column("phone_outcome_at")
        batch_op.drop_column("phone_outcome")
        batch_op.drop_column("phone_reason")
