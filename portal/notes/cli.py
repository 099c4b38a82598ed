"""`flask --app portal notes purge`: delete expired shares."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.database import unit_of_work
from portal.extensions import db
from portal.notes.services import purge_expired

notes_cli = AppGroup("notes", help="Shared notes.")


@notes_cli.command("purge")
def purge_command() -> None:
    """Delete expired shares and old wrong-passcode counts (run it from cron, e.g. hourly)."""
    with unit_of_work():
        shares, attempts = purge_expired(db.session)
    click.echo(f"Deleted {shares} expired shares and {attempts} old passcode counters.")
