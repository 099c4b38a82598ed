"""The trial portal: create_app() is the one entry point."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import extensions
from portal.accounts.auth import init_login
from portal.cache import FragmentCache
from portal.config import load_config, validate_config
from portal.database import init_database, render_migration_item
from portal.edge import init_edge
from portal.extensions import babel, csrf, db, limiter, migrate
from portal.i18n import init_i18n, select_locale
from portal.mail.dispatch import init_dispatch
from portal.mail.rendering import init_email_templates
from portal.models.search_index import include_object as search_index_object
from portal.templating import register_template_helpers

ROOT = Path(__file__).resolve().parent.parent

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# The browser features a page may use: "Use my location" on the contact and alerts forms needs geolocation.
PERMISSIONS_POLICY = "camera=(), microphone=(), payment=(), geolocation=(self)"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(Path(app.instance_path)))
    if test_config:
        app.config.update(test_config)
    validate_config(app.config)

    register_extensions(app)
    app.extensions["trial_page_cache"] = FragmentCache(max_entries=256)
    init_dispatch(app)
    register_template_helpers(app)
    init_i18n(app)
    init_email_templates(app)
    register_blueprints(app)
    register_periodic_jobs(app)
    register_commands(app)
    register_security_headers(app)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return app


def register_extensions(app: Flask) -> None:
    from portal import models  # noqa: F401  (models must be imported before migrate sees the metadata)

    db.init_app(app)
    init_database(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
        include_object=search_index_object,
    )
    # `portal.mail` is also our mail package, so the extension is reached through its module.
    extensions.mail.init_app(app)
    init_edge(app)  # before CSRF and the limiter, whose hooks read the body
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    init_login(app)


def register_blueprints(app: Flask) -> None:
    from portal.accounts.views import bp as accounts_bp
    from portal.admin.views import bp as admin_bp
    from portal.alerts.views import bp as alerts_bp
    from portal.api.views import bp as api_bp
    from portal.contact.status_views import bp as requests_bp
    from portal.contact.views import bp as contact_bp
    from portal.glossary.views import bp as glossary_bp
    from portal.js_catalogue import bp as i18n_bp
    from portal.main import bp as main_bp
    from portal.main.errors import register_error_handlers
    from portal.notes.views import bp as notes_bp
    from portal.privacy.views import bp as withdrawal_bp
    from portal.site.summary_views import bp as summaries_bp
    from portal.site.views import bp as site_bp
    from portal.trials import bp as trials_bp
    from portal.trials.self_check_views import bp as self_check_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(trials_bp)
    app.register_blueprint(self_check_bp)
    app.register_blueprint(contact_bp)
    app.register_blueprint(requests_bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(notes_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(site_bp)
    app.register_blueprint(summaries_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(glossary_bp)
    app.register_blueprint(withdrawal_bp)
    app.register_blueprint(i18n_bp)
    register_error_handlers(app)


def register_periodic_jobs(app: Flask) -> None:
    from portal.alerts.jobs import register_alert_runs
    from portal.contact.follow_up import register_follow_ups
    from portal.sync.jobs import register_sync_runs

    register_alert_runs(app)
    register_sync_runs(app)
    register_follow_ups(app)


def register_commands(app: Flask) -> None:
    from portal.accounts.cli import users_cli
    from portal.alerts.cli import alerts_cli
    from portal.cli import faqs_cli, sites_cli, trials_cli
    from portal.mail.cli import mail_catcher_command, outbox_cli, worker_command
    from portal.notes.cli import notes_cli
    from portal.privacy.cli import privacy_cli

    for command in (
        trials_cli,
        faqs_cli,
        sites_cli,
        alerts_cli,
        notes_cli,
        outbox_cli,
        worker_command,
        mail_catcher_command,
        users_cli,
        privacy_cli,
    ):
        app.cli.add_command(command)


def register_security_headers(app: Flask) -> None:
    production = app.config["PORTAL_ENV"] == "production"

    @app.after_request
    def set_headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if production:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
