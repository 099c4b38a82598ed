"""`flask --app portal users create-admin EMAIL`: the first operator account."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError
from flask.cli import AppGroup

from portal.accounts.passwords import PROBLEMS, password_problem
from portal.accounts.services import AccountError, create_admin
from portal.database import unit_of_work
from portal.extensions import db

users_cli = AppGroup("users", help="Manage the people who sign in.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="The name shown in the portal (default: the email address).")
@click.password_option(help="Prompted for when not given (12+ characters, not a common password).")
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an operator account that can sign in at /account/sign-in."""
    problem = password_problem(password, email=email)
    if problem:
        raise click.ClickException(PROBLEMS[problem][1])
    with unit_of_work():
        try:
            user = create_admin(db.session, email, name, password)
        except (AccountError, EmailNotValidError) as exc:
            raise click.ClickException(str(exc)) from exc  # leaving the unit of work rolls it back
    click.echo(f"Admin {user.email} created.")
