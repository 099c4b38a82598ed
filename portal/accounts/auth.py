"""Flask-Login set-up: sessions found by their server-side token."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.accounts.sessions import load_session_user
from portal.extensions import db, login_manager
from portal.models.user import User


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to see this page.")
    # "strong": a session used from another browser fingerprint is dropped, not just marked non-fresh.
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        uid, _, token = user_id.partition(":")
        return load_session_user(db.session, uid, token)
