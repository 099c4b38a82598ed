"""Operator actions that are not already services elsewhere: members, recipients, uploads, the outbox view."""

from __future__ import annotations

import json
from pathlib import Path

from email_validator import EmailNotValidError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from portal.contact.services import replace_site_recipients
from portal.ctgov.importer import ImportSummary, import_records
from portal.ctgov.sources import SourceRecord
from portal.models import OutboxEmail, Site, SiteMembership, SiteRecipientOverride, Trial, User
from portal.models.outbox import FAILED, PARTIAL, PENDING, SENDING
from portal.validation import normalised_email


class AdminError(ValueError):
    """An operator action that cannot be done as asked; the message is shown beside the field."""


def trials_page(session: Session, nct_query: str | None, limit: int = 100) -> list[Trial]:
    query = select(Trial).order_by(Trial.nct_id).limit(limit)
    if nct_query:
        query = query.where(Trial.nct_id.like(f"%{nct_query.strip().upper()}%"))
    return list(session.scalars(query))


def set_trial_hidden(session: Session, nct_id: str, hidden: bool) -> Trial | None:
    trial = session.scalar(select(Trial).where(Trial.nct_id == nct_id))
    if trial is not None:
        trial.hidden = hidden
        session.flush()
    return trial


def import_upload(session: Session, name: str, data: bytes) -> ImportSummary:
    """The CLI's importer on an uploaded file: a study, a {"studies": [...]} page or a JSON array.

    Commits, as the importer does (every batch of 500 records and at the end); `portal.post_import` follows it.
    """
    path = Path(name or "upload.json")
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError):  # bad JSON or UTF-8, or nesting too deep to parse
        records = [SourceRecord(path, None, error="not valid JSON")]
    else:
        if isinstance(parsed, list):
            records = [SourceRecord(path, i, study) for i, study in enumerate(parsed)]
        elif isinstance(parsed, dict) and isinstance(parsed.get("studies"), list):
            records = [SourceRecord(path, i, study) for i, study in enumerate(parsed["studies"])]
        elif isinstance(parsed, dict) and "protocolSection" in parsed:
            records = [SourceRecord(path, None, parsed)]
        else:
            records = [SourceRecord(path, None, error="holds no study")]
    return import_records(session, [records])


def trial_with_sites(session: Session, nct_id: str) -> Trial | None:
    return session.scalar(select(Trial).where(Trial.nct_id == nct_id).options(selectinload(Trial.sites)))


def site_members(session: Session, site_ids: list[int]) -> dict[int, list[User]]:
    rows = session.execute(
        select(SiteMembership.site_id, User)
        .join(User, User.id == SiteMembership.user_id)
        .where(SiteMembership.site_id.in_(site_ids))
        .order_by(User.display_name)
    ).tuples()
    members: dict[int, list[User]] = {}
    for site_id, user in rows:
        members.setdefault(site_id, []).append(user)
    return members


def recipient_overrides(session: Session, site_ids: list[int]) -> dict[int, list[str]]:
    rows = session.scalars(select(SiteRecipientOverride).where(SiteRecipientOverride.site_id.in_(site_ids)))
    return {row.site_id: list(row.emails) for row in rows}


def add_member(session: Session, site: Site, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise AdminError("There is no user with this email address. Invite them first.")
    exists = session.scalar(
        select(SiteMembership.id).where(SiteMembership.site_id == site.id, SiteMembership.user_id == user.id)
    )
    if exists is None:
        session.add(SiteMembership(site_id=site.id, user_id=user.id))
        session.flush()
    return user


def remove_member(session: Session, site: Site, user_id: int) -> None:
    session.execute(delete(SiteMembership).where(SiteMembership.site_id == site.id, SiteMembership.user_id == user_id))


def set_recipients(session: Session, site: Site, text: str) -> list[str]:
    """Replace the site's recipients; an empty text removes the override (the registry's contacts apply)."""
    addresses = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        try:
            addresses.append(normalised_email(part))
        except EmailNotValidError as exc:
            raise AdminError("One of these is not a valid email address.") from exc
    replace_site_recipients(session, site, addresses)
    return addresses


def outbox_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)).tuples()
    return dict(rows.all())


def waiting_mail(session: Session, limit: int = 200) -> list[OutboxEmail]:
    """Pending, sending, partly sent and failed messages, oldest first.

    The page shows kinds, errors and the recipients a server refused (an operator has to know whose address to
    fix), never contents or the other recipients.
    """
    return list(
        session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.status.in_((PENDING, SENDING, PARTIAL, FAILED)))
            .order_by(OutboxEmail.created_at)
            .limit(limit)
        )
    )
