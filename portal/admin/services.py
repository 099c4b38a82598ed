"""Operator actions that are not already services elsewhere: members, recipients, uploads, the outbox view."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from email_validator import EmailNotValidError
from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import Session

from portal.contact.services import replace_site_recipients
from portal.ctgov.importer import ImportSummary, import_records
from portal.ctgov.sources import SourceRecord
from portal.models import OutboxEmail, Site, SiteMembership, SiteRecipientOverride, Trial, UndeliverableAddress, User
from portal.models.outbox import FAILED, PARTIAL, PENDING, SENDING
from portal.validation import normalised_email

T = TypeVar("T")


class AdminError(ValueError):
    """An operator action that cannot be done as asked; the message is shown beside the field."""


TRIALS_PER_PAGE = 50
SITES_PER_PAGE = 25
MAX_SEARCH = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, its number (from 1) and how many rows the whole list has."""

    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _like(text: str) -> str:
    """A LIKE pattern that matches the text anywhere, with LIKE's own wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _page(session: Session, query: Select[tuple[T]], page: int, per_page: int) -> Page[T]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    last = max(1, -(-total // per_page))
    page = min(max(page, 1), last)
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, total)


def trials_page(session: Session, nct_query: str | None, page: int = 1, per_page: int | None = None) -> Page[Trial]:
    """Trials by NCT number, a page at a time; `nct_query` matches any part of the number."""
    per_page = per_page or TRIALS_PER_PAGE
    query = select(Trial).order_by(Trial.nct_id)
    if nct_query:
        query = query.where(Trial.nct_id.like(_like(nct_query.strip().upper()[:MAX_SEARCH]), escape="\\"))
    return _page(session, query, page, per_page)


def sites_page(
    session: Session, trial: Trial, text: str | None, page: int = 1, per_page: int = SITES_PER_PAGE
) -> Page[Site]:
    """A trial's sites in the record's order, a page at a time; `text` matches any part of the facility, city or
    state, whatever the case."""
    query = select(Site).where(Site.trial_id == trial.id).order_by(Site.position, Site.id)
    words = (text or "").strip()[:MAX_SEARCH].lower().split()
    for word in words:
        pattern = _like(word)
        query = query.where(
            or_(
                func.lower(func.coalesce(Site.facility, "")).like(pattern, escape="\\"),
                func.lower(func.coalesce(Site.city, "")).like(pattern, escape="\\"),
                func.lower(func.coalesce(Site.state, "")).like(pattern, escape="\\"),
            )
        )
    return _page(session, query, page, per_page)


def find_trial(session: Session, nct_id: str) -> Trial | None:
    return session.scalar(select(Trial).where(Trial.nct_id == nct_id))


def undeliverable_addresses(session: Session, site_ids: list[int]) -> dict[int, list[UndeliverableAddress]]:
    """The addresses that refused each site's requests for good, for the operator to fix."""
    rows = session.scalars(
        select(UndeliverableAddress)
        .where(UndeliverableAddress.site_id.in_(site_ids))
        .order_by(UndeliverableAddress.created_at)
    )
    found: dict[int, list[UndeliverableAddress]] = {}
    for row in rows:
        found.setdefault(row.site_id, []).append(row)
    return found


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
