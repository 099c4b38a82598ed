"""Contact requests: who received each one (the site's team, its investigator, the trial's central contact, or the
portal team who phone the site), so the patient is told what really happened.

Requests marked for a phone call went to the portal team; for the others it was not recorded, and stays NULL.

Revision ID: f1a2b3c4d5e6
Revises: 7e21e4ee0039
Create Date: 2026-12-08 10:12:31.402117

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f1a2b3c4d5e6"
down_revision = "7e21e4ee0039"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_kind", sa.String(length=20), nullable=True))
    op.execute("UPDATE contact_requests SET recipient_kind = 'portal_team' WHERE needs_phone_call")


def downgrade() -> None:
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.drop_column("recipient_kind")
