"""Trials: the primary completion date (and whether it is actual or estimated) and the month the status was last
verified, so a page and a search result can tell that an open trial's status may be out of date.

The columns of trials already imported are filled from their stored record (`trials.raw`), as the importer reads
them (portal.ctgov.record.normalise_study), so no re-import is needed; a value that is not a "YYYY-MM" or
"YYYY-MM-DD" date is left empty here (the importer refuses such a record).

Revision ID: 7e21e4ee0039
Revises: c95613aee4fc
Create Date: 2026-12-07 01:33:06.377344

"""

import re
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "7e21e4ee0039"
down_revision = "c95613aee4fc"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
# As in portal.ctgov.record (copied, so this migration never changes when it does).
PARTIAL_DATE_RE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
BATCH = 500

trials = sa.table(
    "trials",
    sa.column("id", sa.Integer()),
    sa.column("raw", JSON_TYPE),
    sa.column("primary_completion_date", sa.String(10)),
    sa.column("primary_completion_date_type", sa.String(10)),
    sa.column("status_verified_date", sa.String(10)),
)


def _text(module: Any, key: str, length: int = 10) -> str | None:
    value = module.get(key) if isinstance(module, dict) else None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > length:
        return None
    return value.strip()


def _date(module: Any, key: str) -> str | None:
    value = _text(module, key)
    return value if value is not None and PARTIAL_DATE_RE.match(value) else None


def _columns(raw: Any) -> dict[str, str | None]:
    protocol = raw.get("protocolSection") if isinstance(raw, dict) else None
    status = protocol.get("statusModule") if isinstance(protocol, dict) else None
    status = status if isinstance(status, dict) else {}
    primary = status.get("primaryCompletionDateStruct")
    return {
        "primary_completion_date": _date(primary, "date"),
        "primary_completion_date_type": _text(primary, "type"),
        "status_verified_date": _date(status, "statusVerifiedDate"),
    }


def _backfill() -> None:
    conn = op.get_bind()
    last_id = 0
    while True:
        rows = conn.execute(
            sa.select(trials.c.id, trials.c.raw).where(trials.c.id > last_id).order_by(trials.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        last_id = rows[-1].id
        values = [{"trial_id": row.id, **_columns(row.raw)} for row in rows]
        values = [v for v in values if any(v[name] is not None for name in v if name != "trial_id")]
        if values:
            conn.execute(
                trials.update()
                .where(trials.c.id == sa.bindparam("trial_id"))
                .values(
                    primary_completion_date=sa.bindparam("primary_completion_date"),
                    primary_completion_date_type=sa.bindparam("primary_completion_date_type"),
                    status_verified_date=sa.bindparam("status_verified_date"),
                ),
                values,
            )


# Added and dropped in place, not in a batch: on SQLite a batch that drops a column copies the table and drops the
# old one, and with foreign keys on (portal.database) that drop deletes every trial's sites, conditions, terms and
# search facts by cascade. SQLite (3.35 and later) and PostgreSQL both add and drop a plain column in place.
COLUMNS = ("primary_completion_date", "primary_completion_date_type", "status_verified_date")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("trials", sa.Column(name, sa.String(length=10), nullable=True))
    _backfill()


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("trials", name)
