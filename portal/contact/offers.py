"""The one fallback offer: the next-nearest recruiting site of the same trial, and open trials for the same condition
near the site the patient chose; each behind its own signed link, to a page where the patient consents again."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.geo import bounding_box, great_circle_km, sql_great_circle_km
from portal.models import ContactRequest, Site, Trial
from portal.models.trial import TrialCondition
from portal.vocabulary import OPEN_STATUSES, RECRUITING

OFFER_SALT = "contact-fallback-offer"
NEARBY_KM = 100.0
MAX_OTHER_TRIALS = 3
MAX_TOKEN = 300


@dataclass(frozen=True)
class Offer:
    trial: Trial
    site: Site
    distance_km: float


def offer_token(contact: ContactRequest, site: Site) -> str:
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=OFFER_SALT)
    return serializer.dumps({"n": contact.status_nonce, "s": site.id})


def read_offer_token(token: str) -> tuple[str, int] | None:
    """(the request's status nonce, the offered site's id), or None for a link that is not ours."""
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        payload = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=OFFER_SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("n"), str) or not isinstance(payload.get("s"), int):
        return None
    return payload["n"], payload["s"]


def _located(site: Site | None) -> bool:
    return site is not None and site.latitude is not None and site.longitude is not None


def next_nearest_site(session: Session, contact: ContactRequest) -> Offer | None:
    """The recruiting site of the same trial nearest to the one the patient chose (which has not answered)."""
    origin = contact.site
    trial = contact.trial
    if origin is None or not _located(origin) or trial.overall_status not in OPEN_STATUSES or trial.hidden:
        return None
    assert origin.latitude is not None and origin.longitude is not None
    # Nearest first in SQL: a trial can have a thousand sites, and only one is wanted.
    distance = sql_great_circle_km(origin.latitude, origin.longitude, Site.latitude, Site.longitude)
    found = session.execute(
        select(Site, distance)
        .where(
            Site.trial_id == trial.id,
            Site.id != origin.id,
            Site.status == RECRUITING,
            Site.latitude.is_not(None),
            Site.longitude.is_not(None),
        )
        .order_by(distance, Site.id)
        .limit(1)
    ).first()
    return Offer(trial, found[0], float(found[1])) if found else None


def nearby_open_trials(session: Session, contact: ContactRequest, limit: int = MAX_OTHER_TRIALS) -> list[Offer]:
    """Other open trials for one of the trial's conditions, with a recruiting site near the chosen one (nearest
    site of each, nearest trials first)."""
    origin = contact.site
    if origin is None or not _located(origin):
        return []
    assert origin.latitude is not None and origin.longitude is not None
    names = [condition.name_lower for condition in contact.trial.conditions]
    if not names:
        return []
    min_lat, max_lat, min_lon, max_lon = bounding_box(origin.latitude, origin.longitude, NEARBY_KM)
    trial_ids = select(TrialCondition.trial_id).where(
        TrialCondition.name_lower.in_(names), TrialCondition.trial_id != contact.trial_id
    )
    sites = session.scalars(
        select(Site)
        .join(Trial, Trial.id == Site.trial_id)
        .where(
            Site.trial_id.in_(trial_ids),
            Trial.overall_status.in_(OPEN_STATUSES),
            Trial.hidden.is_(False),
            Site.status == RECRUITING,
            Site.latitude.between(min_lat, max_lat),
            Site.longitude.between(min_lon, max_lon),
        )
        .options(selectinload(Site.trial))
    )
    nearest: dict[int, Offer] = {}
    for site in sites:
        assert site.latitude is not None and site.longitude is not None
        km = great_circle_km(origin.latitude, origin.longitude, site.latitude, site.longitude)
        if km <= NEARBY_KM and (site.trial_id not in nearest or km < nearest[site.trial_id].distance_km):
            nearest[site.trial_id] = Offer(site.trial, site, km)
    return sorted(nearest.values(), key=lambda offer: (offer.distance_km, offer.trial.nct_id))[:limit]
