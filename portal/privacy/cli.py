"""`flask --app portal privacy purge|erase`: retention and erasure on request."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.accounts.services import forget_old_failures
from portal.accounts.sessions import purge_expired_sessions
from portal.database import unit_of_work
from portal.extensions import db
from portal.privacy.services import erase_person, purge_old_requests

privacy_cli = AppGroup("privacy", help="Delete personal data past retention or on a person's request.")


def _report(counts: dict[str, int]) -> None:
    for name, count in counts.items():
        click.echo(f"{name.replace('_', ' ')}: {count}")


@privacy_cli.command("purge")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=1),
    default=None,
    help="Days to keep contact requests (default: RETENTION_DAYS, 365).",
)
def purge_command(days: int | None) -> None:
    """Delete contact requests, their history and their mail, received more than DAYS ago.

    Also deletes expired sign-in sessions and failed sign-ins older than the lockout window.
    """
    days = days or current_app.config["RETENTION_DAYS"]
    with unit_of_work():
        counts = purge_old_requests(db.session, days)
        # Housekeeping that needs no schedule of its own: dead sign-in sessions and expired failure counts.
        counts["expired sign-in sessions"] = purge_expired_sessions(db.session)
        counts["old sign-in failures"] = forget_old_failures(db.session)
    click.echo(f"Deleted what was received more than {days} days ago:")
    _report(counts)


@privacy_cli.command("erase")
@click.argument("email")
def erase_command(email: str) -> None:
    """Remove a person everywhere: contact requests, their history, mail to or about them."""
    with unit_of_work():
        try:
            counts = erase_person(db.session, email)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc  # leaving the unit of work rolls it back
    click.echo("Removed:")
    _report(counts)
