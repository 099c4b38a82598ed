"""Hand one message to the SMTP server, with a timeout, and say whether a failure is worth retrying."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from typing import Any


class DeliveryError(Exception):
    """The message was not accepted. `permanent` failures are not retried.

    `refused` holds each recipient's refusal when the server refused them all (address -> reply, see `refusals`).
    """

    def __init__(self, message: str, *, permanent: bool, refused: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.refused = refused


def _code_error(code: int, what: str) -> DeliveryError:
    return DeliveryError(f"{what}: SMTP {code}", permanent=500 <= code < 600)


def refusals(refused: Mapping[str, tuple[int, bytes]]) -> dict[str, str]:
    """smtplib's {address: (code, reply)} as {address: "550 5.1.1 No such user"}, one line of 200 characters or less."""
    return {
        address: " ".join(f"{code} {reply.decode('utf-8', 'replace')}".split())[:200]
        for address, (code, reply) in refused.items()
    }


def refused_codes(refused: Mapping[str, str]) -> list[int]:
    """The distinct SMTP codes of `refusals`, e.g. [450, 550]."""
    return sorted({int(reply.split(maxsplit=1)[0]) for reply in refused.values()})


def send_bytes(config: Mapping[str, Any], sender: str, recipients: list[str], message: bytes) -> dict[str, str]:
    """Send through the configured server; returns the recipients it refused when it accepted others (`refusals`)."""
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    timeout = config["MAIL_TIMEOUT"]
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    try:
        # Flask-Mail opens connections without a timeout; a server that accepts and never answers
        # would block the sender for ever, so we open the connection ourselves.
        with smtp_class(host, port, timeout=timeout) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            refused = smtp.sendmail(sender, recipients, message)
    except smtplib.SMTPRecipientsRefused as exc:
        refused = refusals(exc.recipients)
        codes = refused_codes(refused)
        permanent = all(500 <= code < 600 for code in codes)
        raise DeliveryError(f"all recipients refused: SMTP {codes}", permanent=permanent, refused=refused) from exc
    except (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused, smtplib.SMTPHeloError) as exc:
        # Our configuration or the server, not this message: every message would fail the same way, so wait.
        raise DeliveryError(f"{type(exc).__name__}: SMTP {exc.smtp_code}", permanent=False) from exc
    except smtplib.SMTPResponseException as exc:
        raise _code_error(exc.smtp_code, type(exc).__name__) from exc
    except UnicodeEncodeError as exc:
        raise DeliveryError("an address or header the server cannot take (not ASCII)", permanent=True) from exc
    except (OSError, smtplib.SMTPException) as exc:
        # Refused connection, timeout, dropped connection: the server may be back later.
        raise DeliveryError(f"{type(exc).__name__}: {exc}"[:300], permanent=False) from exc
    return refusals(refused)
