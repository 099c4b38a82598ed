"""Shares of private notes: create, open with a passcode (with a lock after wrong tries), revoke, purge."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.mail.outbox import add_email, delivery_key
from portal.mail.rendering import render_email
from portal.models import NoteShare, NoteShareAttempts, Trial
from portal.models.base import utcnow
from portal.notes.passcodes import (
    MAX_PASSCODE_LENGTH,
    MIN_CHOSEN_LENGTH,
    check_passcode,
    generate_passcode,
    hash_passcode,
    new_token,
    normalise_passcode,
)
from portal.tokens import token_hash
from portal.trials.presenters import partial_date
from portal.urls import external_url

MAX_NOTES = 50
MAX_NOTE_LENGTH = 2000
MAX_QUOTE_LENGTH = 2000
MAX_SECTION_TITLE = 200
EXPIRY_DAYS = (1, 7, 30)
DEFAULT_EXPIRY_DAYS = 7
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
_SECTION_RE = re.compile(r"^[a-z][a-z0-9-]{0,63}$")


class ShareInputError(ValueError):
    """What the author sent cannot be shared as it is; `errors` maps a field to a message for people."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


@dataclass(frozen=True)
class CreatedShare:
    share: NoteShare
    token: str
    owner_token: str
    passcode: str


@dataclass(frozen=True)
class Unlock:
    """The share when the passcode opened it; otherwise, how long the link stays locked (if it is)."""

    share: NoteShare | None
    locked_for: timedelta | None = None

    @property
    def locked_minutes(self) -> int:
        return max(1, math.ceil((self.locked_for or timedelta()).total_seconds() / 60))


def plain_text(value: Any, limit: int) -> str | None:
    """Text with line breaks and tabs kept and other control characters dropped; None when too long or not text."""
    if not isinstance(value, str):
        return None
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    return text if len(text) <= limit else None


def clean_notes(raw: Any) -> list[dict[str, str]]:
    """The notes as we keep them: quote, note, section id and title, all plain text within the limits."""
    if not isinstance(raw, list) or not raw:
        raise ShareInputError({"notes": gettext("Please choose at least one note to share.")})
    if len(raw) > MAX_NOTES:
        raise ShareInputError({"notes": gettext("You can share at most %(num)s notes at a time.", num=MAX_NOTES)})
    notes = []
    for item in raw:
        item = item if isinstance(item, dict) else {}
        note = plain_text(item.get("note"), MAX_NOTE_LENGTH)
        quote = plain_text(item.get("quote"), MAX_QUOTE_LENGTH)
        title = plain_text(item.get("section_title", ""), MAX_SECTION_TITLE)
        section = item.get("section")
        if note is None or not note:
            raise ShareInputError(
                {"notes": gettext("Each note must have text, at most %(num)s characters.", num=MAX_NOTE_LENGTH)}
            )
        if quote is None or not quote:
            raise ShareInputError(
                {"notes": gettext("Each quote must be at most %(num)s characters.", num=MAX_QUOTE_LENGTH)}
            )
        if title is None or not isinstance(section, str) or not _SECTION_RE.match(section):
            raise ShareInputError({"notes": gettext("A note is not on a part of the trial page we know.")})
        notes.append({"quote": quote, "note": note, "section": section, "section_title": title})
    return notes


def chosen_or_generated_passcode(chosen: Any) -> str:
    if chosen is None or chosen == "":
        return generate_passcode()
    if not isinstance(chosen, str) or len(chosen) > MAX_PASSCODE_LENGTH:
        raise ShareInputError({"passcode": gettext("Please choose a shorter passcode.")})
    if len(normalise_passcode(chosen)) < MIN_CHOSEN_LENGTH:
        raise ShareInputError(
            {"passcode": gettext("Please choose a passcode of at least %(num)s characters.", num=MIN_CHOSEN_LENGTH)}
        )
    return chosen.strip()


def create_share(
    session: Session,
    trial: Trial,
    raw_notes: Any,
    days: Any = DEFAULT_EXPIRY_DAYS,
    chosen_passcode: Any = None,
    now: datetime | None = None,
    ui_locale: str = "en",
) -> CreatedShare:
    """A snapshot of the notes with a fresh link, owner token and passcode (flushed, not committed)."""
    now = now or utcnow()
    if type(days) is not int or days not in EXPIRY_DAYS:  # not True, 7.5 or "7"
        raise ShareInputError({"days": gettext("Please choose 1, 7 or 30 days.")})
    notes = clean_notes(raw_notes)
    passcode = chosen_or_generated_passcode(chosen_passcode)
    token, owner_token = new_token(), new_token()
    share = NoteShare(
        token_hash=token_hash(token),
        owner_token_hash=token_hash(owner_token),
        passcode_hash=hash_passcode(passcode),
        trial_id=trial.id,
        nct_id=trial.nct_id,
        trial_title=trial.brief_title,
        trial_last_update=trial.last_update_posted_on,
        notes=notes,
        created_at=now,
        expires_at=now + timedelta(days=days),
        ui_locale=ui_locale,
    )
    session.add(share)
    session.flush()
    return CreatedShare(share, token, owner_token, passcode)


def _locked_attempts_row(session: Session, hashed: str, now: datetime) -> NoteShareAttempts:
    """The token's counter, created if needed and locked for this transaction (tries on one link queue up)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(NoteShareAttempts)
        .values(token_hash=hashed, window_started_at=now, failures=0)
        .on_conflict_do_nothing(index_elements=["token_hash"])
    )
    row = session.scalars(
        select(NoteShareAttempts).where(NoteShareAttempts.token_hash == hashed).with_for_update()
    ).one()
    session.refresh(row)
    return row


def unlock_share(session: Session, token: str, passcode: str, now: datetime | None = None) -> Unlock:
    """Check a passcode for a link. Unknown, expired and real links answer the same way and take as long."""
    now = now or utcnow()
    hashed = token_hash(token)
    attempts = _locked_attempts_row(session, hashed, now)
    if now >= attempts.window_started_at + FAILURE_WINDOW:
        attempts.window_started_at, attempts.failures = now, 0
    if attempts.failures >= MAX_FAILURES:
        return Unlock(None, attempts.window_started_at + FAILURE_WINDOW - now)
    share = session.scalar(select(NoteShare).where(NoteShare.token_hash == hashed, NoteShare.expires_at > now))
    if check_passcode(share.passcode_hash if share else None, passcode):
        session.delete(attempts)
        session.flush()
        return Unlock(share)
    if attempts.failures == 0:
        attempts.window_started_at = now
    attempts.failures += 1
    session.flush()
    return Unlock(None)


def revoke_share(session: Session, owner_token: Any) -> bool:
    """Delete the share made with this owner token; False when there is none (already revoked or expired)."""
    if not isinstance(owner_token, str) or not owner_token or len(owner_token) > 100:
        return False
    result = session.execute(delete(NoteShare).where(NoteShare.owner_token_hash == token_hash(owner_token)))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def purge_expired(session: Session, now: datetime | None = None) -> tuple[int, int]:
    """Delete expired shares and finished wrong-passcode windows; returns how many of each."""
    now = now or utcnow()
    shares = session.execute(delete(NoteShare).where(NoteShare.expires_at <= now))
    attempts = session.execute(
        delete(NoteShareAttempts).where(NoteShareAttempts.window_started_at <= now - FAILURE_WINDOW)
    )
    return shares.rowcount, attempts.rowcount  # type: ignore[attr-defined]


def email_share_link(
    session: Session, owner_token: Any, link: Any, address: str, now: datetime | None = None
) -> list[tuple[int, str]]:
    """Queue an email with the link (never the passcode) for the share's owner; [] when the pair does not match.

    Only the browser that made the share holds both its owner token and its link, so nobody else can send it.
    """
    now = now or utcnow()
    if not isinstance(owner_token, str) or not isinstance(link, str) or "/notes/s/" not in link:
        return []
    token = link.rsplit("/notes/s/", 1)[1].split("?", 1)[0].split("#", 1)[0]
    share = session.scalar(
        select(NoteShare).where(
            NoteShare.token_hash == token_hash(token),
            NoteShare.owner_token_hash == token_hash(owner_token),
            NoteShare.expires_at > now,
        )
    )
    if share is None:
        return []
    # Built again from our own base URL: the address in the email is always this portal's.
    url = external_url("notes.open_share", token=token)
    with force_locale(share.ui_locale):  # the language they shared from, whatever this request's is
        email = render_email(
            "notes_link",
            link=url,
            trial_title=share.trial_title,
            nct_id=share.nct_id,
            expires_on=partial_date(share.expires_at),
            portal_name=current_app.config["PORTAL_NAME"],
        )
    row = add_email(session, kind="notes_link", recipients=[address], email=email)
    session.flush()
    return [(row.id, delivery_key(0, None))]
