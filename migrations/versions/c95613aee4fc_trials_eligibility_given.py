"""Trials and their search facts record whether the record gave an eligibility module at all.

A partial-field export leaves the module out: the trial's ages, sex and healthy volunteers are then unknown, and
no age or sex filter may match it, where NULL ages in a record with the module mean "no limit". Existing rows are
filled from the record as imported (`trials.raw`), so they are right at once, without a re-import; the facts copy
the trial rows.

Revision ID: c95613aee4fc
Revises: b04e61eaa664
Create Date: 2026-12-07 01:32:26.282042

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c95613aee4fc"
down_revision = "b04e61eaa664"
branch_labels = None
depends_on = None

# As portal.ctgov.record.normalise_study decides: the module is present, an object, and not empty.
GIVEN_SQL = {
    "postgresql": (
        "COALESCE(jsonb_typeof(raw -> 'protocolSection' -> 'eligibilityModule') = 'object' "
        "AND raw -> 'protocolSection' -> 'eligibilityModule' <> '{}'::jsonb, false)"
    ),
    "sqlite": (
        "COALESCE(json_type(raw, '$.protocolSection.eligibilityModule') = 'object' "
        "AND EXISTS (SELECT 1 FROM json_each(raw, '$.protocolSection.eligibilityModule')), 0)"
    ),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # Plain ADD COLUMN, no batch: on SQLite a batch would copy the trials table and lose its triggers.
    op.add_column("trials", sa.Column("eligibility_given", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column(
        "search_facts", sa.Column("eligibility_given", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.execute(f"UPDATE trials SET eligibility_given = {GIVEN_SQL[dialect]}")  # noqa: S608
    op.execute(
        "UPDATE search_facts SET eligibility_given = "
        "(SELECT t.eligibility_given FROM trials t WHERE t.id = search_facts.trial_id)"
    )


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), for the same reason as above.
    op.drop_column("search_facts", "eligibility_given")
    op.drop_column("trials", "eligibility_given")
