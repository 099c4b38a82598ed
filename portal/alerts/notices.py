"""Alert emails: every waiting alert of a subscriber in one email, now (immediate) or once a week (digest)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, selectinload

from portal.alerts.matching import LOOK_BACK, match_new_trials, previous_start
from portal.alerts.tokens import manage_token
from portal.database import begin_write
from portal.geo import rounded_distance
from portal.mail.dispatch import dispatch_after_commit
from portal.mail.outbox import add_email, delivery_key, mail_domain
from portal.mail.rendering import BulkEmailRenderer
from portal.models.alert import ACTIVE, IMMEDIATE, WEEKLY, AlertRun, Subscriber, SubscriberCondition, TrialAlert
from portal.models.base import utcnow
from portal.models.trial import Site, Trial, TrialTerm
from portal.urls import external_url
from portal.vocabulary import email_locale, status_label

DIGEST_INTERVAL = timedelta(days=7)
SUBSCRIBERS_PER_BATCH = 500


@dataclass(frozen=True)
class AlertedTrial:
    nct_id: str
    title: str
    url: str
    status: str
    condition: str  # the subscriber's words
    trial_term: str  # the trial's condition, keyword or MeSH term that matched them
    site: str | None
    distance: tuple[int, str] | None


@dataclass
class RunSummary:
    alerts_created: int = 0
    emails: int = 0
    digests: int = 0
    outbox_rows: list[tuple[int, str]] = field(default_factory=list)

    def line(self) -> str:
        return f"{self.alerts_created} new alerts, {self.emails} alert emails, {self.digests} weekly digests"


@dataclass(frozen=True)
class SubscriberLinks:
    """The signed manage and unsubscribe links of one subscriber (one signature, two URLs)."""

    token: str
    manage: str
    unsubscribe: str

    @classmethod
    def of(cls, subscriber: Subscriber) -> SubscriberLinks:
        token = manage_token(subscriber)
        return cls(token, external_url("alerts.manage", token=token), external_url("alerts.unsubscribe", token=token))


def unsubscribe_headers(links: SubscriberLinks) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe (https and mailto) and RFC 8058 one-click."""
    config = current_app.config
    mailto = config["ALERTS_UNSUBSCRIBE_MAILTO"] or f"unsubscribe@{mail_domain(config)}"
    subject = quote(f"unsubscribe {links.token}")
    return {
        "List-Unsubscribe": f"<{links.unsubscribe}>, <mailto:{mailto}?subject={subject}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def _distance(distance_km: float | None, unit: str) -> tuple[int, str] | None:
    if distance_km is None:
        return None
    # An alert never says a site is 0 miles away.
    shown_unit = "mi" if unit == "mi" else "km"
    return max(1, rounded_distance(distance_km, shown_unit)), shown_unit


def _waiting_subscribers(session: Session, frequency: str, now: datetime) -> list[int]:
    query = (
        select(TrialAlert.subscriber_id)
        .join(Subscriber, Subscriber.id == TrialAlert.subscriber_id)
        .where(TrialAlert.notified_at.is_(None), Subscriber.status == ACTIVE, Subscriber.frequency == frequency)
        .group_by(TrialAlert.subscriber_id)
        .order_by(TrialAlert.subscriber_id)
    )
    if frequency == WEEKLY:
        due = now - DIGEST_INTERVAL
        query = query.where(
            or_(
                Subscriber.last_digest_at <= due,
                and_(Subscriber.last_digest_at.is_(None), Subscriber.confirmed_at <= due),
            )
        )
    ids = list(session.scalars(query))
    session.commit()
    return ids


def _claimed_alerts(session: Session, units: dict[int, str], now: datetime) -> dict[int, list[AlertedTrial]]:
    """Mark these subscribers' waiting alerts as notified and read them back (distances in each one's unit).

    Two runs at once cannot both claim one alert.
    """
    subscriber_ids = list(units)
    batch = secrets.token_hex(16)
    session.execute(
        update(TrialAlert)
        .where(TrialAlert.subscriber_id.in_(subscriber_ids), TrialAlert.notified_at.is_(None))
        .values(notified_at=now, notice_batch=batch)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(
            TrialAlert.subscriber_id,
            TrialAlert.distance_km,
            Trial.nct_id,
            Trial.brief_title,
            Trial.overall_status,
            SubscriberCondition.label,
            TrialTerm.origin,
            TrialAlert.matched_phrase,
            Site.facility,
            Site.city,
            Site.country,
        )
        .join(Trial, Trial.id == TrialAlert.trial_id)
        .outerjoin(Site, Site.id == TrialAlert.site_id)
        .outerjoin(
            SubscriberCondition,
            and_(
                SubscriberCondition.subscriber_id == TrialAlert.subscriber_id,
                SubscriberCondition.phrase == TrialAlert.matched_phrase,
            ),
        )
        .outerjoin(
            TrialTerm, and_(TrialTerm.trial_id == TrialAlert.trial_id, TrialTerm.phrase == TrialAlert.matched_phrase)
        )
        .where(TrialAlert.subscriber_id.in_(subscriber_ids), TrialAlert.notice_batch == batch)
        .order_by(TrialAlert.subscriber_id, TrialAlert.distance_km, Trial.brief_title)
    ).tuples()
    alerts: dict[int, list[AlertedTrial]] = defaultdict(list)
    trial_urls: dict[str, str] = {}
    for subscriber_id, km, nct_id, title, status, label, origin, phrase, facility, city, country in rows:
        site = ", ".join(part for part in (facility, city, country) if part) or None
        if nct_id not in trial_urls:
            trial_urls[nct_id] = external_url("trials.detail", nct_id=nct_id)
        alerts[subscriber_id].append(
            AlertedTrial(
                nct_id=nct_id,
                title=title,
                url=trial_urls[nct_id],
                status=status_label(status),
                condition=label or phrase,
                trial_term=origin or phrase,
                site=site,
                distance=_distance(km, units[subscriber_id]),
            )
        )
    return alerts


def notify_waiting(session: Session, frequency: str, now: datetime | None = None) -> RunSummary:
    """Write the emails for alerts not yet sent: one per subscriber, in their language, through the outbox.

    Commits once per chunk of subscribers: each chunk claims its alerts and writes their emails in one short write
    transaction, so a run over many subscribers never holds the write lock for long, and two runs never both send.
    """
    now = now or utcnow()
    summary = RunSummary()
    waiting = _waiting_subscribers(session, frequency, now)
    per_email = current_app.config["ALERTS_TRIALS_PER_EMAIL"]
    name = "alerts_digest" if frequency == WEEKLY else "alerts_new"
    renderers: dict[str, BulkEmailRenderer] = {}
    portal_name = current_app.config["PORTAL_NAME"]
    for start in range(0, len(waiting), SUBSCRIBERS_PER_BATCH):
        chunk = waiting[start : start + SUBSCRIBERS_PER_BATCH]
        begin_write(session)
        subscribers = session.scalars(
            select(Subscriber).where(Subscriber.id.in_(chunk)).options(selectinload(Subscriber.conditions))
        ).all()
        alerts = _claimed_alerts(session, {s.id: s.distance_unit for s in subscribers}, now)
        rows = []
        with session.no_autoflush:
            for subscriber in subscribers:
                trials = alerts.get(subscriber.id)
                if not trials:  # another run at the same moment claimed them
                    continue
                links = SubscriberLinks.of(subscriber)
                language = email_locale(subscriber.language, subscriber.ui_locale)
                if language not in renderers:
                    renderers[language] = BulkEmailRenderer(language)
                rendered = renderers[language].render(
                    name,
                    subscriber=subscriber,
                    trials=trials[:per_email],
                    more=len(trials) - per_email if len(trials) > per_email else 0,
                    total=len(trials),
                    manage_url=links.manage,
                    unsubscribe_url=links.unsubscribe,
                    portal_name=portal_name,
                )
                rows.append(
                    add_email(
                        session,
                        kind=name,
                        recipients=[subscriber.email],
                        email=rendered,
                        subscriber_id=subscriber.id,
                        headers=unsubscribe_headers(links),
                    )
                )
                if frequency == WEEKLY:
                    subscriber.last_digest_at = now
        session.flush()
        summary.outbox_rows.extend((row.id, delivery_key(0, None)) for row in rows)  # read before commit expires them
        session.commit()
        if frequency == WEEKLY:
            summary.digests += len(rows)
        else:
            summary.emails += len(rows)
    return summary


def run_alerts(session: Session, now: datetime | None = None, dispatch: bool = True) -> RunSummary:
    """Match trials opened since the last run, then write immediate alerts and any weekly digests that are due.

    Commits, in steps (the run's start, each chunk of matching and of emails, the run's end), then dispatches the
    emails unless `dispatch` is False: a batch job, never called inside a unit of work.
    """
    now = now or utcnow()
    previous = previous_start(session)
    since = previous - LOOK_BACK if previous is not None else None
    run = AlertRun(started_at=now)
    session.add(run)
    session.commit()
    summary = RunSummary(alerts_created=match_new_trials(session, now, since))
    for frequency in (IMMEDIATE, WEEKLY):
        part = notify_waiting(session, frequency, now)
        summary.emails += part.emails
        summary.digests += part.digests
        summary.outbox_rows.extend(part.outbox_rows)
    run.finished_at = utcnow()
    run.alerts_created = summary.alerts_created
    run.emails_written = summary.emails + summary.digests
    session.commit()
    if dispatch and summary.outbox_rows:
        dispatch_after_commit(summary.outbox_rows)
    return summary
