"""The admin blueprint: every route in it is for signed-in operators only."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin() -> None:
    if not current_user.is_admin:
        abort(404)  # the admin area does not exist for anyone else


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
