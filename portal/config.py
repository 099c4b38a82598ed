"""Configuration from environment variables, with checks that run at start-up."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError

from portal import jsontext
from portal.validation import normalised_email

log = logging.getLogger(__name__)

PRODUCTION = "production"
MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT_CHARS = 10
# Seconds between attempts to send a message (OUTBOX_RETRY_DELAYS); after the last it is failed.
DEFAULT_RETRY_DELAYS = (30, 120, 600, 1800, 7200)


class ConfigError(RuntimeError):
    """The configuration would make the portal unsafe or unable to run."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from exc


def _delays(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        delays = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise ConfigError(f"{name} must be comma-separated whole seconds, got {text!r}") from exc
    if not delays or any(d <= 0 for d in delays):
        raise ConfigError(f"{name} needs at least one positive delay")
    return delays


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {value!r}") from exc


def load_config(instance_path: Path) -> dict[str, Any]:
    """Read settings from the environment. `PORTAL_ENV=production` turns on the strict checks."""
    env = os.environ.get("PORTAL_ENV", "development").strip().lower()
    production = env == PRODUCTION
    default_db = f"sqlite:///{instance_path / 'portal.db'}"
    return {
        "PORTAL_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or default_db,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "PORTAL_BASE_URL": (os.environ.get("PORTAL_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "PORTAL_NAME": os.environ.get("PORTAL_NAME") or "Trial Finder",
        "PORTAL_TEAM_EMAIL": os.environ.get("PORTAL_TEAM_EMAIL") or (None if production else "portal-team@localhost"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool(os.environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(os.environ.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        # The address only: readers see it as "PORTAL_NAME <address>". Production has no default (see validate_config).
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or (None if production else "no-reply@localhost"),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),
        # Default: the host of PORTAL_BASE_URL.
        "MAIL_MESSAGE_ID_DOMAIN": os.environ.get("MAIL_MESSAGE_ID_DOMAIN") or None,
        # "rq" with Redis, else a delivery thread in the web process; "manual" leaves it to `outbox deliver`.
        "OUTBOX_DELIVERY": os.environ.get("OUTBOX_DELIVERY") or ("rq" if os.environ.get("REDIS_URL") else "thread"),
        "OUTBOX_RETRY_DELAYS": _delays("OUTBOX_RETRY_DELAYS", DEFAULT_RETRY_DELAYS),
        "OUTBOX_SWEEP_SECONDS": _int("OUTBOX_SWEEP_SECONDS", 10),
        # A live worker's send ends within a few MAIL_TIMEOUTs; a claim older than that is a dead worker's.
        "OUTBOX_CLAIM_LEASE": timedelta(seconds=_int("OUTBOX_CLAIM_LEASE_SECONDS", 3 * _int("MAIL_TIMEOUT", 10) + 15)),
        "CONTACT_RATE_LIMIT_IP": os.environ.get("CONTACT_RATE_LIMIT_IP") or "20 per hour",
        "CONTACT_RATE_LIMIT_EMAIL": os.environ.get("CONTACT_RATE_LIMIT_EMAIL") or "5 per day",
        # The trial page with one site chosen ("Contact this site" on a region's page): rendered for each visitor,
        # never from the page cache, so a bot could make the server render a 1,000-site page in a loop.
        "CONTACT_CHOOSE_RATE_LIMIT_IP": os.environ.get("CONTACT_CHOOSE_RATE_LIMIT_IP") or "60 per minute",
        "ALERTS_RATE_LIMIT_IP": os.environ.get("ALERTS_RATE_LIMIT_IP") or "10 per hour",
        "ALERTS_RATE_LIMIT_EMAIL": os.environ.get("ALERTS_RATE_LIMIT_EMAIL") or "3 per day",
        # Confirmation links expire, and unconfirmed sign-ups are deleted, after this many days.
        "ALERTS_CONFIRM_DAYS": _int("ALERTS_CONFIRM_DAYS", 7),
        # The mailto half of List-Unsubscribe; mail to it is handled by `flask alerts unsubscribe-mail`.
        "ALERTS_UNSUBSCRIBE_MAILTO": os.environ.get("ALERTS_UNSUBSCRIBE_MAILTO") or None,
        "ALERTS_TRIALS_PER_EMAIL": _int("ALERTS_TRIALS_PER_EMAIL", 10),
        # How often each mail worker runs `alerts send` (0: never; then run it from cron).
        "ALERTS_RUN_SECONDS": _int("ALERTS_RUN_SECONDS", 3600),
        # Contact follow-ups (site reminders, escalations, fallback offers): how often each mail worker looks, and
        # how far back (a request older than this is never chased, so turning the feature on mails no backlog).
        "FOLLOW_UP_RUN_SECONDS": _int("FOLLOW_UP_RUN_SECONDS", 900),
        "FOLLOW_UP_LOOKBACK_DAYS": _int("FOLLOW_UP_LOOKBACK_DAYS", 30),
        # At most this many reminders and offers a pass (a backlog goes out over several passes, oldest first).
        "FOLLOW_UP_MAX_EMAILS": _int("FOLLOW_UP_MAX_EMAILS", 200),
        # Patients' status links and fallback offers, from one IP.
        "REQUEST_STATUS_RATE_LIMIT_IP": os.environ.get("REQUEST_STATUS_RATE_LIMIT_IP") or "60 per minute",
        # Wrong passcodes on shared-notes links from one IP, across all links (each link also locks on its own).
        "NOTES_UNLOCK_RATE_LIMIT_IP": os.environ.get("NOTES_UNLOCK_RATE_LIMIT_IP") or "20 per hour",
        "NOTES_SHARE_RATE_LIMIT_IP": os.environ.get("NOTES_SHARE_RATE_LIMIT_IP") or "30 per hour",
        "NOTES_EMAIL_RATE_LIMIT_SHARE": os.environ.get("NOTES_EMAIL_RATE_LIMIT_SHARE") or "5 per day",
        "SUMMARY_GRADE_RATE_LIMIT": os.environ.get("SUMMARY_GRADE_RATE_LIMIT") or "60 per minute",
        "TRIALS_PER_PAGE": _int("TRIALS_PER_PAGE", 20),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT") or "120 per minute",
        # Signed-in staff (site teams and operators).
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "SESSION_ABSOLUTE_HOURS": _int("SESSION_ABSOLUTE_HOURS", 12),
        "LOCKOUT_WINDOW_MINUTES": _int("LOCKOUT_WINDOW_MINUTES", 15),
        "LOCKOUT_ACCOUNT_FAILURES": _int("LOCKOUT_ACCOUNT_FAILURES", 5),
        "LOCKOUT_IP_FAILURES": _int("LOCKOUT_IP_FAILURES", 20),
        "SIGN_IN_RATE_LIMIT": os.environ.get("SIGN_IN_RATE_LIMIT") or "30 per minute",
        "INVITATION_HOURS": _int("INVITATION_HOURS", 72),
        "PASSWORD_RESET_HOURS": _int("PASSWORD_RESET_HOURS", 2),
        "RETENTION_DAYS": _int("RETENTION_DAYS", 365),
        "ADMIN_UPLOAD_MAX_BYTES": _int("ADMIN_UPLOAD_MAX_BYTES", 20 * 1024 * 1024),
        # Every other request body: a contact form or a note share is a few KB; past this it is a 413.
        "MAX_CONTENT_LENGTH": _int("MAX_REQUEST_BYTES", 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": _int("MAX_REQUEST_BYTES", 1024 * 1024),
        # The portal's own languages (Babel's names; portal/translations/<name>): adding one is adding a catalogue.
        "LANGUAGES": ["en", "es", "zh_Hans"],
        "BABEL_DEFAULT_LOCALE": "en",
        # WTForms' own messages ("This field is required.", "Not a valid choice.") in the page's language.
        "WTF_I18N_ENABLED": True,
        # JSON columns written and read with orjson (portal.jsontext): the importer writes tens of thousands a
        # minute, and a big trial's page reads a record of hundreds of KB.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "json_serializer": jsontext.dumps,
            "json_deserializer": jsontext.loads,
        },
        # In production the cookies are `__Host-` prefixed: the browser keeps them only when they are Secure, for
        # the whole site (Path=/) and for this host alone (no Domain), so no other subdomain can set or read them.
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_NAME": "__Host-remember_token" if production else "remember_token",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_ENABLED": _bool(os.environ.get("RATELIMIT_ENABLED"), default=True),
        # Explained words on trial pages (glossary terms, abbreviations, HPO conditions); off only to measure them.
        "GLOSSARY_ENABLED": _bool(os.environ.get("GLOSSARY_ENABLED"), default=True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # A Redis outage must not refuse a patient: each process counts in memory until Redis answers again
        # (Flask-Limiter logs the switch and the recovery once each), and a limit check that fails halfway
        # (Redis lost mid-request) is logged and let through rather than answered with a 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        "PROXY_FIX_HOPS": _int("PROXY_FIX_HOPS", 1 if production else 0),
        # Matching by meaning (portal.embeddings): the model and tokenizer files (default: those the installed
        # packages ship), whether searches and trial pages use it, and whether an import embeds new trials.
        "EMBEDDING_MODEL_PATH": os.environ.get("EMBEDDING_MODEL_PATH") or None,
        "EMBEDDING_TOKENIZER_PATH": os.environ.get("EMBEDDING_TOKENIZER_PATH") or None,
        "EMBEDDING_THREADS": _int("EMBEDDING_THREADS", 1),
        # The vectors of this many recent search texts are kept per worker (portal.embeddings.runtime.QueryVectors).
        "QUERY_VECTOR_CACHE": _int("QUERY_VECTOR_CACHE", 1024),
        "SEMANTIC_SEARCH": _bool(os.environ.get("SEMANTIC_SEARCH"), default=True),
        "EMBED_AFTER_IMPORT": _bool(os.environ.get("EMBED_AFTER_IMPORT"), default=True),
        # From this many vectors on, imports build a shared, memory-mapped index that searches use instead of
        # scanning every vector (0: never); where it lives (default: instance/vectors).
        "VECTOR_INDEX_MIN_TRIALS": _int("VECTOR_INDEX_MIN_TRIALS", 20_000),
        "VECTOR_INDEX_DIR": os.environ.get("VECTOR_INDEX_DIR") or None,
        # `flask trials sync`: ClinicalTrials.gov's API v2, what to mirror (its own query parameters, e.g.
        # "query.cond=diabetes&filter.overallStatus=RECRUITING"; empty: everything) and how politely.
        "CTGOV_API_URL": (os.environ.get("CTGOV_API_URL") or "https://clinicaltrials.gov/api/v2").rstrip("/"),
        "CTGOV_SYNC_QUERY": os.environ.get("CTGOV_SYNC_QUERY") or "",
        "CTGOV_PAGE_SIZE": _int("CTGOV_PAGE_SIZE", 1000),
        "CTGOV_REQUESTS_PER_MINUTE": _int("CTGOV_REQUESTS_PER_MINUTE", 50),
        "CTGOV_TIMEOUT_SECONDS": _float("CTGOV_TIMEOUT_SECONDS", 60.0),
        "CTGOV_RETRIES": _int("CTGOV_RETRIES", 6),  # attempts per page after the first
        "CTGOV_BACKOFF_SECONDS": _float("CTGOV_BACKOFF_SECONDS", 2.0),  # doubled at each retry
        "CTGOV_BACKOFF_MAX_SECONDS": _float("CTGOV_BACKOFF_MAX_SECONDS", 300.0),  # a Retry-After past it is cut
        # How often the mail workers run the sync (0: never, the default, so `make run` stays offline).
        "CTGOV_SYNC_SECONDS": _int("CTGOV_SYNC_SECONDS", 0),
        # A run whose process stopped sending signs of life this long ago (on another host) may be taken over.
        "CTGOV_SYNC_LEASE_SECONDS": _int("CTGOV_SYNC_LEASE_SECONDS", 1800),
        # Processes that read records ahead of the writes in `flask trials import` (0: none, all in one process; on
        # 2 CPUs the one process was the faster, see bench/README.md).
        "IMPORT_WORKERS": _int("IMPORT_WORKERS", 0),
        # Whether an import works out the glossary words of its new and changed trials (about 15 ms a trial); off,
        # pages match as they render until `flask trials match-glossary` stores them.
        "GLOSSARY_AFTER_IMPORT": _bool(os.environ.get("GLOSSARY_AFTER_IMPORT"), default=True),
    }


def is_weak_secret(secret: str | None) -> bool:
    """A secret is weak when it is short or has little variety (e.g. 'changeme', 'aaaa…')."""
    if not secret:
        return True
    return len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < MIN_SECRET_DISTINCT_CHARS


def production_sender(address: str | None) -> str:
    """The address production mail comes from, in ASCII; ConfigError when it is missing, local or not an address.

    Mail from no-reply@localhost (the development default) is marked as spam or refused, and a reader cannot
    tell it from a forgery.
    """
    example = "set MAIL_DEFAULT_SENDER to the address the portal's mail comes from, e.g. no-reply@trials.example.org"
    if not address or not address.strip():
        raise ConfigError(f"MAIL_DEFAULT_SENDER is missing: {example}.")
    text = address.strip()
    if text.rsplit("@", 1)[-1].rstrip(".").lower() == "localhost":
        raise ConfigError(f"MAIL_DEFAULT_SENDER is {text!r}, a local address: {example}.")
    try:
        return normalised_email(text)
    except EmailNotValidError as exc:
        raise ConfigError(
            f"MAIL_DEFAULT_SENDER {text!r} is not an email address ({exc}): {example} (the address alone; "
            "readers see PORTAL_NAME beside it)."
        ) from exc


def validate_config(config: dict[str, Any]) -> None:
    """Refuse unsafe production settings; give development an explicit throwaway secret."""
    delivery = config.get("OUTBOX_DELIVERY")
    if delivery not in {"rq", "thread", "manual"}:
        raise ConfigError(f"OUTBOX_DELIVERY must be rq, thread or manual, not {delivery!r}")
    if delivery == "rq" and not config.get("REDIS_URL"):
        raise ConfigError("OUTBOX_DELIVERY=rq needs REDIS_URL")
    _check_sync_settings(config)
    if config.get("PORTAL_ENV") == PRODUCTION:
        if is_weak_secret(config.get("SECRET_KEY")):
            raise ConfigError(
                "SECRET_KEY is missing or weak. In production set SECRET_KEY to at least "
                f"{MIN_SECRET_LENGTH} random characters, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        if not config.get("PORTAL_TEAM_EMAIL"):
            raise ConfigError(
                "PORTAL_TEAM_EMAIL is missing: requests for sites with no email address go to the portal team."
            )
        config["MAIL_DEFAULT_SENDER"] = production_sender(config.get("MAIL_DEFAULT_SENDER"))
        if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            log.warning("Running in production on SQLite; PostgreSQL is the supported production database.")
        return
    if not config.get("SECRET_KEY"):
        # Development only: a random key per process, so nothing guessable ever signs a cookie.
        config["SECRET_KEY"] = secrets.token_urlsafe(48)
        log.info("No SECRET_KEY set: using a random development key; sessions end when the server restarts.")


def _check_sync_settings(config: dict[str, Any]) -> None:
    if not 1 <= config.get("CTGOV_PAGE_SIZE", 1000) <= 1000:
        raise ConfigError("CTGOV_PAGE_SIZE must be from 1 to 1000 (the API's own limit)")
    if config.get("CTGOV_REQUESTS_PER_MINUTE", 50) < 1:
        raise ConfigError("CTGOV_REQUESTS_PER_MINUTE must be at least 1")
    if config.get("CTGOV_TIMEOUT_SECONDS", 60.0) <= 0:
        raise ConfigError("CTGOV_TIMEOUT_SECONDS must be more than 0")
    if config.get("CTGOV_RETRIES", 6) < 0 or config.get("CTGOV_SYNC_SECONDS", 0) < 0:
        raise ConfigError("CTGOV_RETRIES and CTGOV_SYNC_SECONDS cannot be negative")
