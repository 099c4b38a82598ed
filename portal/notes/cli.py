"""`flask --app portal notes purge`: delete expired shares."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.database import begin_write
from portal.extensions import db
from portal.notes.services import purge_expired

notes_cli = AppGroup("notes", help="Shared notes.")


@notes_cli.command("purge")
def purge_command() -> None:
    """Delete expired shares and old wrong-passcode counts (run it from cron, e.g. hourly)."""
    begin_write(db.session)
    shares, attempts = purge_expired(db.session)
    db.session.commit()
    click.echo(f"Deleted {shares} expired shares and {attempts} old passcode counters.")
