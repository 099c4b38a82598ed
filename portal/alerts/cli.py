"""`flask --app portal alerts ...`: match and send, purge unconfirmed sign-ups, handle mailto unsubscribes."""

from __future__ import annotations

import re
import sys
from email import message_from_binary_file
from email.policy import default

import click
from flask.cli import AppGroup

from portal.alerts import services
from portal.alerts.notices import run_alerts
from portal.alerts.tokens import BadLink, read_manage_token
from portal.database import unit_of_work
from portal.extensions import db

alerts_cli = AppGroup("alerts", help="Trial alerts by email.")

_TOKEN_RE = re.compile(r"unsubscribe\s+(\S+)", re.IGNORECASE)


@alerts_cli.command("send")
def send_command() -> None:
    """Match trials opened since the last run and write alert emails and due weekly digests to the outbox."""
    summary = run_alerts(db.session)
    click.echo(f"Alerts: {summary.line()}.")


@alerts_cli.command("purge")
def purge_command() -> None:
    """Delete sign-ups that were not confirmed in time (ALERTS_CONFIRM_DAYS, 7 by default)."""
    with unit_of_work():
        count = services.purge_unconfirmed(db.session)
    click.echo(f"Deleted {count} unconfirmed sign-ups.")


@alerts_cli.command("unsubscribe-mail")
@click.argument("message", type=click.File("rb"), default="-")
def unsubscribe_mail_command(message: click.utils.LazyFile) -> None:
    """Act on one email sent to the List-Unsubscribe mailto address (pipe it in from the mail server).

    The subject carries the same signed token as the one-click link. A bad token does nothing.
    """
    parsed = message_from_binary_file(message, policy=default)  # type: ignore[arg-type]
    match = _TOKEN_RE.search(str(parsed.get("subject", "")))
    if match is None:
        click.echo("No unsubscribe token in the subject; nothing done.", err=True)
        sys.exit(1)
    try:
        subscriber_id, nonce = read_manage_token(match.group(1))
    except BadLink:
        click.echo("The unsubscribe token is not valid; nothing done.", err=True)
        sys.exit(1)
    with unit_of_work():
        removed = services.unsubscribe(db.session, subscriber_id, nonce)
    click.echo("Unsubscribed." if removed else "Already unsubscribed.")
