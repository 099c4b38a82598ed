"""Start-up checks: production refuses unsafe settings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from portal import create_app
from portal.config import ConfigError, load_config
from portal.mail.outbox import retry_delays

STRONG_SECRET = "b7Qf9-Zk2LmX0pRt4VwY8aCdEeGhJjKn3sUu5"


def test_production_refuses_to_start_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("weak", ["changeme", "a" * 64, "secret-secret-secret-secret-secret"])
def test_production_refuses_a_weak_secret(monkeypatch: pytest.MonkeyPatch, weak: str) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", weak)
    with pytest.raises(ConfigError, match="weak"):
        create_app()


def test_production_with_a_strong_secret_uses_secure_cookies(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("PORTAL_TEAM_EMAIL", "team@trials.example.org")
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "no-reply@trials.example.org")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/healthz")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_production_needs_a_portal_team_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    monkeypatch.delenv("PORTAL_TEAM_EMAIL", raising=False)
    with pytest.raises(ConfigError, match="PORTAL_TEAM_EMAIL"):
        create_app()


def production_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("PORTAL_TEAM_EMAIL", "team@trials.example.org")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")


@pytest.mark.parametrize(
    ("sender", "says"),
    [
        (None, "MAIL_DEFAULT_SENDER is missing"),
        ("  ", "MAIL_DEFAULT_SENDER is missing"),
        ("no-reply@localhost", "a local address"),
        ("no-reply@LOCALHOST.", "a local address"),
        ("no-reply@portal.localhost", "is not an email address"),
        ("no-reply", "is not an email address"),
        ("Trial Finder <no-reply@trials.example.org>", "the address alone"),
    ],
)
def test_production_refuses_to_send_mail_from_no_real_address(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sender: str | None, says: str
) -> None:
    production_env(monkeypatch, tmp_path)
    if sender is None:
        monkeypatch.delenv("MAIL_DEFAULT_SENDER", raising=False)
    else:
        monkeypatch.setenv("MAIL_DEFAULT_SENDER", sender)
    with pytest.raises(ConfigError, match=says):
        create_app()


def test_production_sends_from_the_address_it_is_given(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    production_env(monkeypatch, tmp_path)
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "no-reply@müller.example")
    # In ASCII, as the envelope and the From header need it.
    assert create_app().config["MAIL_DEFAULT_SENDER"] == "no-reply@xn--mller-kva.example"


def test_development_keeps_a_local_sender_for_the_mail_catcher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.delenv("MAIL_DEFAULT_SENDER", raising=False)
    assert create_app().config["MAIL_DEFAULT_SENDER"] == "no-reply@localhost"


@pytest.mark.parametrize("delays", ["soon", "0,10", ""])
def test_retry_delays_must_be_positive_seconds(monkeypatch: pytest.MonkeyPatch, delays: str) -> None:
    monkeypatch.setenv("OUTBOX_RETRY_DELAYS", delays)
    if delays == "":
        assert create_app().config["OUTBOX_RETRY_DELAYS"] == (30, 120, 600, 1800, 7200)
    else:
        with pytest.raises(ConfigError, match="OUTBOX_RETRY_DELAYS"):
            create_app()


def test_the_outbox_falls_back_to_the_same_retry_delays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OUTBOX_RETRY_DELAYS", raising=False)
    assert create_app().config["OUTBOX_RETRY_DELAYS"] == (30, 120, 600, 1800, 7200)
    assert retry_delays({}) == retry_delays({"OUTBOX_RETRY_DELAYS": ()}) == (30, 120, 600, 1800, 7200)
    assert retry_delays({"OUTBOX_RETRY_DELAYS": (5, 10)}) == (5, 10)


@pytest.mark.parametrize(("delivery", "redis"), [("carrier-pigeon", None), ("rq", None)])
def test_mail_delivery_mode_is_checked(monkeypatch: pytest.MonkeyPatch, delivery: str, redis: str | None) -> None:
    monkeypatch.setenv("OUTBOX_DELIVERY", delivery)
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ConfigError, match="OUTBOX_DELIVERY"):
        create_app()


def test_development_gets_a_random_secret_not_a_fixed_one(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'dev.db'}")
    first, second = create_app(), create_app()
    assert first.config["SECRET_KEY"] and second.config["SECRET_KEY"]
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]
    assert first.config["SESSION_COOKIE_SECURE"] is False


def test_configuration_comes_from_conventional_variables(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.org/")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.db")
    assert app.config["PORTAL_BASE_URL"] == "https://portal.example.org"
    assert app.config["MAIL_SERVER"] == "smtp.example.org"
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["REDIS_URL"] == "redis://127.0.0.1:6379/3"


def test_the_claim_lease_follows_the_mail_timeout_unless_it_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A message whose worker died mid-send goes again within about a minute, not after five."""
    monkeypatch.delenv("OUTBOX_CLAIM_LEASE_SECONDS", raising=False)
    monkeypatch.delenv("MAIL_TIMEOUT", raising=False)
    assert load_config(tmp_path)["OUTBOX_CLAIM_LEASE"] == timedelta(seconds=45)  # 3 x 10 s + 15 s
    monkeypatch.setenv("MAIL_TIMEOUT", "30")
    assert load_config(tmp_path)["OUTBOX_CLAIM_LEASE"] == timedelta(seconds=105)
    monkeypatch.setenv("OUTBOX_CLAIM_LEASE_SECONDS", "600")
    assert load_config(tmp_path)["OUTBOX_CLAIM_LEASE"] == timedelta(seconds=600)


def test_a_bad_number_in_the_environment_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_PORT", "twenty-five")
    with pytest.raises(ConfigError, match="MAIL_PORT"):
        create_app()


def test_pages_carry_a_strict_content_security_policy(client) -> None:  # type: ignore[no-untyped-def]
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
