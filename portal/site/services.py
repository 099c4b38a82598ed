"""Contact requests as a site team sees them. Every query starts from `scoped_requests`: only the user's sites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.geo.zones import zone_for
from portal.models import ContactRequest, Site, SiteMembership, Trial
from portal.models.audit import ContactRequestEvent
from portal.models.base import utcnow
from portal.models.contact import CONTACT_STATUSES
from portal.models.user import User
from portal.site import audit
from portal.validation import is_url_token
from portal.vocabulary import UI_LOCALE_LANGUAGE

RESPONSE_DUE_BUSINESS_DAYS = 2
MAX_NOTE = 2000


class RequestActionError(ValueError):
    """An action on a request that does not make sense (a first response before the request arrived, say)."""


@dataclass(frozen=True)
class RequestFilters:
    status: str | None = None
    nct_id: str | None = None
    site_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    # A code from portal.vocabulary.LANGUAGES: the language the person asked for, else the portal's they used.
    language: str | None = None


def scoped_requests(user: User) -> Select[tuple[ContactRequest]]:
    """The one place that decides what a user may see: requests for sites the user is a member of.

    An operator (admin) sees every request: the portal team passes requests on by phone and must open any of them.
    """
    if user.is_admin:
        return select(ContactRequest)
    return (
        select(ContactRequest)
        .join(SiteMembership, SiteMembership.site_id == ContactRequest.site_id)
        .where(SiteMembership.user_id == user.id)
    )


def editable_trials(user: User) -> Select[tuple[Trial]]:
    """The one place that decides whose plain-language summary a user may write: an operator any trial's, a site
    member those of the trials their sites belong to."""
    if user.is_admin:
        return select(Trial)
    member_trials = (
        select(Site.trial_id)
        .join(SiteMembership, SiteMembership.site_id == Site.id)
        .where(SiteMembership.user_id == user.id)
    )
    return select(Trial).where(Trial.id.in_(member_trials))


def get_editable_trial(session: Session, user: User, nct_id: str) -> Trial | None:
    """The trial, if the user may write its plain summary; another site's trial is indistinguishable from none."""
    return session.scalar(editable_trials(user).where(Trial.nct_id == nct_id))


def user_sites(session: Session, user: User) -> list[Site]:
    return list(
        session.scalars(
            select(Site)
            .join(SiteMembership, SiteMembership.site_id == Site.id)
            .where(SiteMembership.user_id == user.id)
            .options(selectinload(Site.trial))
            .order_by(Site.facility, Site.id)
        )
    )


def filters_allowed(session: Session, user: User, filters: RequestFilters) -> bool:
    """A filter naming a site or trial the user does not belong to is refused (the caller answers 404)."""
    sites = user_sites(session, user)
    if filters.site_id is not None and filters.site_id not in {s.id for s in sites}:
        return False
    return filters.nct_id is None or filters.nct_id in {s.trial.nct_id for s in sites}


def prefers_language(code: str) -> ColumnElement[bool]:
    """The SQL twin of vocabulary.preferred_language_code: chose `code`, or chose none and read the portal in it."""
    chosen = ContactRequest.language == code
    ui_locales = [locale for locale, language in UI_LOCALE_LANGUAGE.items() if language == code and language != "en"]
    if not ui_locales:
        return chosen
    return or_(chosen, and_(ContactRequest.language.is_(None), ContactRequest.ui_locale.in_(ui_locales)))


def _filtered(user: User, filters: RequestFilters) -> Select[tuple[ContactRequest]]:
    query = scoped_requests(user)
    if filters.status:
        query = query.where(ContactRequest.status == filters.status)
    if filters.nct_id:
        query = query.join(Trial, Trial.id == ContactRequest.trial_id).where(Trial.nct_id == filters.nct_id)
    if filters.site_id is not None:
        query = query.where(ContactRequest.site_id == filters.site_id)
    if filters.language:
        query = query.where(prefers_language(filters.language))
    if filters.date_from:
        query = query.where(ContactRequest.created_at >= datetime.combine(filters.date_from, time(), UTC))
    if filters.date_to:
        end = datetime.combine(filters.date_to, time(), UTC) + timedelta(days=1)
        query = query.where(ContactRequest.created_at < end)
    return query.options(selectinload(ContactRequest.trial), selectinload(ContactRequest.site)).order_by(
        ContactRequest.created_at.desc(), ContactRequest.id.desc()
    )


def list_requests(
    session: Session, user: User, filters: RequestFilters, limit: int | None = 500
) -> list[ContactRequest]:
    """Newest first."""
    query = _filtered(user, filters)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def get_request(session: Session, user: User, public_id: str) -> ContactRequest | None:
    """A request of one of the user's sites, or None (another site's request is indistinguishable from none)."""
    if not is_url_token(public_id):
        return None
    return session.scalar(scoped_requests(user).where(ContactRequest.public_id == public_id))


def request_zone(contact_request: ContactRequest) -> tzinfo:
    """The site's own time zone, for the times staff read and type; UTC when the record gives no place."""
    site = contact_request.site
    zone = zone_for(site.latitude, site.longitude, site.country) if site is not None else None
    return zone or UTC


def history(session: Session, contact_request: ContactRequest) -> list[ContactRequestEvent]:
    return list(
        session.scalars(
            select(ContactRequestEvent)
            .where(ContactRequestEvent.contact_request_id == contact_request.id)
            .options(selectinload(ContactRequestEvent.user))
            .order_by(ContactRequestEvent.created_at.desc(), ContactRequestEvent.id.desc())
        )
    )


def add_business_days(start: datetime, days: int) -> datetime:
    """`days` working days (Monday to Friday, UTC) after `start`; a weekend start counts from Monday 00:00."""
    moment = start
    if moment.weekday() >= 5:
        moment = datetime.combine(moment.date() + timedelta(days=7 - moment.weekday()), time(), moment.tzinfo)
    for _ in range(days):
        moment += timedelta(days=1)
        while moment.weekday() >= 5:
            moment += timedelta(days=1)
    return moment


def needs_attention(contact_request: ContactRequest, now: datetime | None = None) -> bool:
    """Nobody has acted (still new, no first response) within two business days of its arrival."""
    now = now or utcnow()
    if contact_request.status != "new" or contact_request.first_response_at is not None:
        return False
    return now > add_business_days(contact_request.created_at, RESPONSE_DUE_BUSINESS_DAYS)


def response_time(contact_request: ContactRequest) -> timedelta | None:
    if contact_request.first_response_at is None:
        return None
    return contact_request.first_response_at - contact_request.created_at


def _event(session: Session, user: User, contact_request: ContactRequest, now: datetime, **values: object) -> None:
    session.add(ContactRequestEvent(contact_request_id=contact_request.id, user_id=user.id, created_at=now, **values))


def set_status(
    session: Session, user: User, contact_request: ContactRequest, status: str, now: datetime | None = None
) -> bool:
    """Move the request to a status; False when it already was. Flushes."""
    now = now or utcnow()
    if status not in CONTACT_STATUSES:
        raise RequestActionError("unknown status")
    old = contact_request.status
    if old == status:
        return False
    contact_request.status = status
    contact_request.updated_at = now
    _event(session, user, contact_request, now, kind="status", old_status=old, new_status=status)
    audit.record(session, user, audit.STATUS, [contact_request.id], f"{old} -> {status}", now)
    session.flush()
    return True


def add_note(
    session: Session, user: User, contact_request: ContactRequest, text: str, now: datetime | None = None
) -> None:
    """An internal note for the team; the patient never sees it. Flushes."""
    now = now or utcnow()
    text = text.strip()
    if not text or len(text) > MAX_NOTE:
        raise RequestActionError("a note needs some text")
    _event(session, user, contact_request, now, kind="note", note=text)
    audit.record(session, user, audit.NOTE, [contact_request.id], None, now)
    session.flush()


def record_first_response(
    session: Session, user: User, contact_request: ContactRequest, at: datetime, now: datetime | None = None
) -> None:
    """When the team first reached the person; the response time is measured from the request to it. Flushes."""
    now = now or utcnow()
    if at < contact_request.created_at:
        raise RequestActionError("before the request arrived")
    if at > now + timedelta(minutes=5):
        raise RequestActionError("in the future")
    contact_request.first_response_at = at
    contact_request.updated_at = now
    _event(session, user, contact_request, now, kind="first response", note=at.strftime("%Y-%m-%d %H:%M UTC"))
    audit.record(session, user, audit.FIRST_RESPONSE, [contact_request.id], at.isoformat(), now)
    session.flush()
