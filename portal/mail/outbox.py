"""Outbox rows: written with the change that causes them, claimed atomically, sent once, retried with backoff."""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_mail import Message
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal.config import DEFAULT_RETRY_DELAYS
from portal.mail.bounces import SITE_REQUEST_KIND, record_site_refusals
from portal.mail.rendering import RenderedEmail
from portal.mail.smtp import DeliveryError, refused_codes, send_bytes
from portal.models.base import utcnow
from portal.models.bulk import in_values, insert_rows
from portal.models.outbox import FAILED, PARTIAL, PENDING, SENDING, SENT, OutboxEmail

log = logging.getLogger(__name__)

MAX_LINE_LENGTH = 998


def retry_delays(config: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(config.get("OUTBOX_RETRY_DELAYS") or DEFAULT_RETRY_DELAYS)


def mail_domain(config: Mapping[str, Any]) -> str:
    """The domain our own addresses and Message-IDs use: MAIL_MESSAGE_ID_DOMAIN, else the portal's host."""
    return config["MAIL_MESSAGE_ID_DOMAIN"] or urlsplit(config["PORTAL_BASE_URL"]).hostname or "localhost"


def _outbox_values(
    config: Mapping[str, Any],
    now: datetime,
    *,
    kind: str,
    recipients: list[str],
    email: RenderedEmail,
    reply_to: str | None = None,
    contact_request_id: int | None = None,
    subscriber_id: int | None = None,
    headers: dict[str, str] | None = None,
    unique_key: str | None = None,
) -> dict[str, Any]:
    return {
        "message_id": f"<{secrets.token_hex(16)}@{mail_domain(config)}>",
        "kind": kind,
        "sender": config["MAIL_DEFAULT_SENDER"],
        "recipients": recipients,
        "reply_to": reply_to,
        "subject": email.subject,
        "body_text": email.text,
        "body_html": email.html,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "contact_request_id": contact_request_id,
        "subscriber_id": subscriber_id,
        "headers": headers,
        "unique_key": unique_key,
    }


def add_email(
    session: Session,
    *,
    kind: str,
    recipients: list[str],
    email: RenderedEmail,
    reply_to: str | None = None,
    contact_request_id: int | None = None,
    subscriber_id: int | None = None,
    headers: dict[str, str] | None = None,
    unique_key: str | None = None,
) -> OutboxEmail:
    """Write one message to the outbox; it leaves only after the caller's transaction commits.

    A `unique_key` makes it a message that exists at most once: a second row with the same key fails to insert
    (IntegrityError at the flush), whichever process writes it.
    """
    row = OutboxEmail(
        **_outbox_values(
            current_app.config,
            utcnow(),
            kind=kind,
            recipients=recipients,
            email=email,
            reply_to=reply_to,
            contact_request_id=contact_request_id,
            subscriber_id=subscriber_id,
            headers=headers,
            unique_key=unique_key,
        )
    )
    session.add(row)
    return row


@dataclass(frozen=True)
class NewEmail:
    """One message for `add_emails`: what `add_email` takes, for a message to one subscriber."""

    kind: str
    recipients: list[str]
    email: RenderedEmail
    subscriber_id: int | None = None
    headers: dict[str, str] | None = None


def add_emails(session: Session, emails: list[NewEmail]) -> list[int]:
    """Write many messages to the outbox at once (COPY on PostgreSQL, one executemany on SQLite) and return their
    ids, in order. The rows are those `add_email` writes; like them, they leave only after the caller's transaction
    commits. For thousands of alert emails, where an ORM object and a flush each cost more than the rendering.
    """
    if not emails:
        return []
    config = current_app.config
    now = utcnow()
    rows = [
        {
            **_outbox_values(
                config,
                now,
                kind=email.kind,
                recipients=email.recipients,
                email=email.email,
                subscriber_id=email.subscriber_id,
                headers=email.headers,
            ),
            "created_at": now,
            "updated_at": now,
        }
        for email in emails
    ]
    insert_rows(session, OutboxEmail.__table__, rows)  # type: ignore[arg-type]
    message_ids = [row["message_id"] for row in rows]
    ids = dict(
        session.execute(
            select(OutboxEmail.message_id, OutboxEmail.id).where(
                in_values(session, OutboxEmail.message_id, message_ids)
            )
        )
        .tuples()
        .all()
    )
    return [ids[message_id] for message_id in message_ids]


def _due(now: datetime, lease: timedelta) -> Any:
    """Due: pending and its time has come, or claimed longer than the lease ago (the worker died mid-send)."""
    return or_(
        and_(OutboxEmail.status == PENDING, OutboxEmail.next_attempt_at <= now),
        and_(OutboxEmail.status == SENDING, OutboxEmail.claimed_at < now - lease),
    )


def due_ids(session: Session, now: datetime | None = None, limit: int = 500) -> list[tuple[int, str]]:
    """(id, delivery key) of rows ready to send, including ones a dead worker left half-sent.

    The key changes with every attempt and every expired claim, so a queue can tell a new
    delivery of a row from a job for the same delivery that is already waiting.
    """
    now = now or utcnow()
    lease = current_app.config["OUTBOX_CLAIM_LEASE"]
    rows = session.execute(
        select(OutboxEmail.id, OutboxEmail.attempts, OutboxEmail.claimed_at)
        .where(_due(now, lease))
        .order_by(OutboxEmail.next_attempt_at)
        .limit(limit)
    )
    return [(row_id, delivery_key(attempts, claimed_at)) for row_id, attempts, claimed_at in rows.tuples()]


def delivery_key(attempts: int, claimed_at: datetime | None) -> str:
    return f"{attempts}-{int(claimed_at.timestamp() * 1000) if claimed_at else 0}"


def claim(session: Session, email_id: int, now: datetime | None = None) -> str | None:
    """Claim one row with a conditional update: of two workers racing, exactly one gets it. Commits."""
    now = now or utcnow()
    lease = current_app.config["OUTBOX_CLAIM_LEASE"]
    token = secrets.token_hex(16)
    result = session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, _due(now, lease))
        .values(status=SENDING, claimed_at=now, claim_token=token)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return token if result.rowcount == 1 else None  # type: ignore[attr-defined]


def claim_due(session: Session, limit: int = 5, now: datetime | None = None) -> list[tuple[int, str]]:
    """Claim up to `limit` due rows. PostgreSQL: FOR UPDATE SKIP LOCKED; elsewhere a conditional update each.

    Commits: a claim is its own transaction, so other workers see it at once.
    """
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        lease = current_app.config["OUTBOX_CLAIM_LEASE"]
        ids = list(
            session.scalars(
                select(OutboxEmail.id)
                .where(_due(now, lease))
                .order_by(OutboxEmail.next_attempt_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        token = secrets.token_hex(16)
        if ids:
            session.execute(
                update(OutboxEmail)
                .where(OutboxEmail.id.in_(ids))
                .values(status=SENDING, claimed_at=now, claim_token=token)
                .execution_options(synchronize_session=False)
            )
        session.commit()
        return [(email_id, token) for email_id in ids]
    candidates = due_ids(session, now, limit)
    session.commit()  # end the read: each claim below is its own short write transaction
    claimed = []
    for email_id, _key in candidates:
        token = claim(session, email_id, now)
        if token:
            claimed.append((email_id, token))
    return claimed


def from_address(config: Mapping[str, Any], address: str) -> Address:
    """`Trial Finder <no-reply@trials.example.org>`: the portal's name beside the stored sender address.

    The email package writes it out, quoting a name with specials and encoding one that is not ASCII (RFC 2047).
    """
    return Address(display_name=config["PORTAL_NAME"], addr_spec=address)


def build_message(row: OutboxEmail) -> bytes:
    message = Message(
        subject=row.subject,
        recipients=list(row.recipients),
        body=row.body_text,
        html=row.body_html,
        sender=row.sender,
        reply_to=row.reply_to,
        charset="utf-8",
        extra_headers=dict(row.headers or {}),
    )
    message.msgId = row.message_id
    mime = message._message()  # Flask-Mail's MIME tree, serialised below with a line limit of our own
    # The row keeps the bare address (the envelope sender); readers see the portal's name beside it. Set here, as an
    # Address, not through Message(sender=...) or as formataddr's string: Flask-Mail encodes every name (an encoded
    # one twice), and the email package folds a string again, splitting an encoded name with a comma in two.
    mime.replace_header("From", from_address(current_app.config, row.sender))
    # At 78 characters a List-Unsubscribe URL cannot be folded, and the email package then writes the header as an
    # RFC 2047 encoded word, which mail providers do not read as a URL. RFC 5322's hard limit is 998.
    return mime.as_bytes(policy=mime.policy.clone(max_line_length=MAX_LINE_LENGTH))


@dataclass(frozen=True)
class Outcome:
    email_id: int
    status: str


def _next_attempt(attempts: int, delays: tuple[int, ...], now: datetime) -> datetime | None:
    """When to try again after `attempts` failed tries; None when the retries are used up."""
    if attempts > len(delays):
        return None
    base = delays[attempts - 1]
    return now + timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311  (jitter, not security)


def refused_note(refused: Mapping[str, str], total: int) -> str:
    """What an operator reads about refused recipients: how many and the codes, never the addresses."""
    return f"refused: {len(refused)} of {total} recipients, SMTP {refused_codes(refused)}"


def send_claimed(session: Session, email_id: int, token: str) -> Outcome | None:
    """Send a row this worker claimed, then record the result (only if the claim is still ours). Commits.

    Once the server has accepted a message for some recipients, it goes only to the ones it refused: a refusal
    with a 4xx is tried again after the retry delays; when every remaining refusal is a 5xx, or the delays are
    used up, the row ends "partial" (FAILED when nobody got it).
    """
    row = session.get(OutboxEmail, email_id)
    if row is None or row.claim_token != token or row.status != SENDING:
        session.rollback()
        return None
    config = current_app.config
    attempts = row.attempts + 1
    sender, kind, first_sent_at, request_id = row.sender, row.kind, row.sent_at, row.contact_request_id
    recipients = list(row.recipients)
    not_yet = row.refused_recipients or {}
    envelope = [r for r in recipients if r in not_yet] if first_sent_at else recipients
    values: dict[str, Any] = {"attempts": attempts, "claim_token": None}
    try:
        message = build_message(row)
    except Exception as exc:  # a message we can never build must end as failed, not be claimed for ever
        message = None
        build_error = DeliveryError(f"cannot build the message: {type(exc).__name__}", permanent=True)
    # No transaction stays open while we talk to the mail server.
    session.commit()
    now = utcnow()
    try:
        if message is None:
            raise build_error
        refused = send_bytes(config, sender, envelope, message) if envelope else {}
    except DeliveryError as exc:
        retry_at = None if exc.permanent else _next_attempt(attempts, retry_delays(config), now)
        if exc.refused is not None:
            # A 421 ends the session before every recipient was tried: the untried ones keep their earlier reply.
            refused = {**not_yet, **exc.refused} if first_sent_at else exc.refused
            values.update(refused_recipients=refused, last_error=refused_note(refused, len(recipients)))
        else:
            values.update(last_error=str(exc)[:500])
        if retry_at is not None:
            values.update(status=PENDING, next_attempt_at=retry_at)
            what = "not sent to the recipients refused before" if first_sent_at else "not sent"
            log.warning("outbox email %s %s (attempt %s), retrying later: %s", email_id, what, attempts, exc)
        elif first_sent_at:
            values.update(status=PARTIAL)
            log.error("outbox email %s partly sent; gave up on the rest after %s attempts: %s", email_id, attempts, exc)
        else:
            values.update(status=FAILED)
            log.error("outbox email %s failed for good after %s attempts: %s", email_id, attempts, exc)
    else:
        values.update(sent_at=first_sent_at or now, refused_recipients=refused or None)
        if not refused:
            values.update(status=SENT, last_error=None)
            log.info("outbox email %s sent (%s)", email_id, kind)
        else:
            note = refused_note(refused, len(recipients))
            temporary = any(code < 500 for code in refused_codes(refused))
            retry_at = _next_attempt(attempts, retry_delays(config), now) if temporary else None
            values.update(last_error=note)
            if retry_at is not None:
                values.update(status=PENDING, next_attempt_at=retry_at)
                log.warning(
                    "outbox email %s partly sent (%s), retrying the refused recipients: %s", email_id, kind, note
                )
            else:
                values.update(status=PARTIAL)
                log.error("outbox email %s partly sent (%s), the rest refused for good: %s", email_id, kind, note)
    _record(session, email_id, token, values)
    status = values.get("status", PENDING)
    if kind == SITE_REQUEST_KIND and request_id is not None and values.get("refused_recipients"):
        try:
            record_site_refusals(session, request_id, status, values["refused_recipients"])
        except Exception:  # the message's own result is recorded; never send it again over this
            session.rollback()
            log.exception("outbox email %s: could not record the site's refused addresses", email_id)
    return Outcome(email_id, status)


def _record(session: Session, email_id: int, token: str, values: dict[str, Any], tries: int = 5) -> None:
    """Write the result, retrying a busy database: after a send, losing this write would mean sending twice."""
    for attempt in range(1, tries + 1):
        try:
            session.execute(
                update(OutboxEmail)
                .where(OutboxEmail.id == email_id, OutboxEmail.claim_token == token)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            session.commit()
            return
        except OperationalError:
            session.rollback()
            if attempt == tries:
                raise
            time.sleep(0.05 * 2**attempt)


def deliver_one(session: Session, email_id: int) -> Outcome | None:
    token = claim(session, email_id)
    return send_claimed(session, email_id, token) if token else None


def deliver_due(session: Session, limit: int = 5) -> list[Outcome]:
    """Claim and send what is due now, in batches; returns what happened to each row. Commits (every claim and
    result)."""
    outcomes = []
    while True:
        batch = claim_due(session, limit)
        if not batch:
            return outcomes
        for email_id, token in batch:
            outcome = send_claimed(session, email_id, token)
            if outcome:
                outcomes.append(outcome)


def retry_failed(session: Session) -> int:
    """Put failed and partly sent rows back in the queue, due now, with a fresh set of attempts.

    A partly sent row goes only to the recipients who did not get it (see `send_claimed`). Flushes only: the
    caller's unit of work commits, then dispatches `due_ids`.
    """
    result = session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.status.in_((FAILED, PARTIAL)))
        .values(status=PENDING, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount  # type: ignore[attr-defined]
