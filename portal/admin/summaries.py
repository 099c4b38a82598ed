"""Admin route for plain-language summaries: every one, those a re-import flagged for review first."""

from __future__ import annotations

from flask import render_template

from portal.admin.blueprint import bp
from portal.extensions import db
from portal.site.summaries import all_plain_summaries


@bp.get("/plain-summaries")
def plain_summaries() -> str:
    return render_template("admin/plain_summaries.html", summaries=all_plain_summaries(db.session))
