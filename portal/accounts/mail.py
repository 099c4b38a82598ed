"""Invitation and password reset emails, written to the outbox with the change that causes them."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from portal.accounts.tokens import INVITATION, RESET, make_token
from portal.mail.outbox import add_email, delivery_key
from portal.mail.rendering import render_email
from portal.models.user import User
from portal.urls import external_url


def _context(user: User) -> dict[str, object]:
    config = current_app.config
    return {
        "user": user,
        "portal_name": config["PORTAL_NAME"],
        "portal_team_email": config["PORTAL_TEAM_EMAIL"],
        "invitation_hours": config["INVITATION_HOURS"],
        "reset_hours": config["PASSWORD_RESET_HOURS"],
    }


def queue_invitation(session: Session, user: User, invited_by: User) -> list[tuple[int, str]]:
    link = external_url("accounts.accept_invitation", token=make_token(user, INVITATION))
    email = render_email("account_invitation", link=link, invited_by=invited_by, **_context(user))
    row = add_email(session, kind="account_invitation", recipients=[user.email], email=email)
    session.flush()
    return [(row.id, delivery_key(0, None))]


def queue_password_reset(session: Session, user: User) -> list[tuple[int, str]]:
    link = external_url("accounts.reset_password", token=make_token(user, RESET))
    email = render_email("account_reset", link=link, **_context(user))
    row = add_email(session, kind="account_reset", recipients=[user.email], email=email)
    session.flush()
    return [(row.id, delivery_key(0, None))]
