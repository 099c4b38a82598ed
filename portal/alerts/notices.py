"""Alert emails: every waiting alert of a subscriber in one email, now (immediate) or once a week (digest)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from portal.alerts.matching import LOOK_BACK, match_new_trials, previous_start
from portal.alerts.tokens import manage_tokens
from portal.database import begin_write
from portal.geo import rounded_distance
from portal.mail.dispatch import dispatch_after_commit
from portal.mail.outbox import NewEmail, add_emails, delivery_key, mail_domain
from portal.mail.rendering import BulkEmailRenderer, RenderedEmail
from portal.models.alert import ACTIVE, IMMEDIATE, WEEKLY, AlertRun, Subscriber, SubscriberCondition, TrialAlert
from portal.models.base import utcnow
from portal.models.bulk import in_values
from portal.models.trial import Site, Trial, TrialTerm
from portal.urls import external_url_builder
from portal.vocabulary import email_locale

DIGEST_INTERVAL = timedelta(days=7)
SUBSCRIBERS_PER_BATCH = 500


@dataclass(frozen=True)
class AlertedTrial:
    nct_id: str
    title: str
    url: str
    status: str | None  # the registry's code: the email names it in the reader's language (status_label)
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


def subscriber_links(subscribers: list[tuple[int, str]]) -> list[SubscriberLinks]:
    """The links of many (subscriber id, token nonce) pairs, in order: one serializer and one bound URL map."""
    build = external_url_builder()
    return [
        SubscriberLinks(token, build("alerts.manage", token=token), build("alerts.unsubscribe", token=token))
        for token in manage_tokens(subscribers)
    ]


@dataclass(frozen=True)
class FollowedCondition:
    label: str  # as the subscriber typed it
    phrase: str  # as matching sees it


@dataclass(frozen=True)
class AlertRecipient:
    """What an alert email needs of its subscriber; the templates' `subscriber` (conditions, radius, place)."""

    id: int
    email: str
    language: str  # the email's, see portal.vocabulary.email_locale
    distance_unit: str
    token_nonce: str
    radius_km: float | None
    place_label: str | None
    conditions: tuple[FollowedCondition, ...]


def _recipients(session: Session, subscriber_ids: list[int]) -> list[AlertRecipient]:
    """These subscribers, in id order, with the conditions they follow in the order they gave them: two queries."""
    conditions: dict[int, list[FollowedCondition]] = defaultdict(list)
    for subscriber_id, label, phrase in session.execute(
        select(SubscriberCondition.subscriber_id, SubscriberCondition.label, SubscriberCondition.phrase)
        .where(in_values(session, SubscriberCondition.subscriber_id, subscriber_ids))
        .order_by(SubscriberCondition.id)
    ).tuples():
        conditions[subscriber_id].append(FollowedCondition(label, phrase))
    rows = session.execute(
        select(
            Subscriber.id,
            Subscriber.email,
            Subscriber.language,
            Subscriber.ui_locale,
            Subscriber.distance_unit,
            Subscriber.token_nonce,
            Subscriber.radius_km,
            Subscriber.place_label,
        )
        .where(in_values(session, Subscriber.id, subscriber_ids))
        .order_by(Subscriber.id)
    ).tuples()
    return [
        AlertRecipient(
            id=subscriber_id,
            email=email,
            language=email_locale(language, ui_locale),
            distance_unit=unit,
            token_nonce=nonce,
            radius_km=radius_km,
            place_label=place_label,
            conditions=tuple(conditions[subscriber_id]),
        )
        for subscriber_id, email, language, ui_locale, unit, nonce, radius_km, place_label in rows
    ]


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


def _claimed_alerts(session: Session, recipients: list[AlertRecipient], now: datetime) -> dict[int, list[AlertedTrial]]:
    """Mark these subscribers' waiting alerts as notified and read them back (distances in each one's unit).

    Two runs at once cannot both claim one alert.
    """
    units = {r.id: r.distance_unit for r in recipients}
    labels = {(r.id, c.phrase): c.label for r in recipients for c in r.conditions}
    claimed = list(
        session.scalars(
            update(TrialAlert)
            .where(in_values(session, TrialAlert.subscriber_id, list(units)), TrialAlert.notified_at.is_(None))
            .values(notified_at=now, notice_batch=secrets.token_hex(16))
            .returning(TrialAlert.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        return {}
    rows = session.execute(
        select(
            TrialAlert.subscriber_id,
            TrialAlert.distance_km,
            Trial.nct_id,
            Trial.brief_title,
            Trial.overall_status,
            TrialTerm.origin,
            TrialAlert.matched_phrase,
            Site.facility,
            Site.city,
            Site.country,
        )
        .join(Trial, Trial.id == TrialAlert.trial_id)
        .outerjoin(Site, Site.id == TrialAlert.site_id)
        .outerjoin(
            TrialTerm, and_(TrialTerm.trial_id == TrialAlert.trial_id, TrialTerm.phrase == TrialAlert.matched_phrase)
        )
        .where(in_values(session, TrialAlert.id, claimed))
        .order_by(TrialAlert.subscriber_id, TrialAlert.distance_km, Trial.brief_title, Trial.nct_id)
    ).tuples()
    alerts: dict[int, list[AlertedTrial]] = defaultdict(list)
    trial_urls: dict[str, str] = {}
    build = external_url_builder()
    for subscriber_id, km, nct_id, title, status, origin, phrase, facility, city, country in rows:
        site = ", ".join(part for part in (facility, city, country) if part) or None
        if nct_id not in trial_urls:
            trial_urls[nct_id] = build("trials.detail", nct_id=nct_id)
        alerts[subscriber_id].append(
            AlertedTrial(
                nct_id=nct_id,
                title=title,
                url=trial_urls[nct_id],
                status=status,
                condition=labels.get((subscriber_id, phrase)) or phrase,
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
    name = "alerts_digest" if frequency == WEEKLY else "alerts_new"
    renderers: dict[str, BulkEmailRenderer] = {}
    for start in range(0, len(waiting), SUBSCRIBERS_PER_BATCH):
        chunk = waiting[start : start + SUBSCRIBERS_PER_BATCH]
        begin_write(session)
        recipients = _recipients(session, chunk)
        alerts = _claimed_alerts(session, recipients, now)
        # None left for a subscriber: another run at the same moment claimed them.
        emailed = [r for r in recipients if alerts.get(r.id)]
        rendered = _render(name, emailed, alerts, renderers)
        ids = add_emails(
            session,
            [
                NewEmail(
                    kind=name,
                    recipients=[recipient.email],
                    email=email,
                    subscriber_id=recipient.id,
                    headers=unsubscribe_headers(links),
                )
                for recipient, (email, links) in zip(emailed, rendered, strict=True)
            ],
        )
        if frequency == WEEKLY and emailed:
            session.execute(
                update(Subscriber)
                .where(in_values(session, Subscriber.id, [r.id for r in emailed]))
                .values(last_digest_at=now)
                .execution_options(synchronize_session=False)
            )
        summary.outbox_rows.extend((row_id, delivery_key(0, None)) for row_id in ids)
        session.commit()
        if frequency == WEEKLY:
            summary.digests += len(ids)
        else:
            summary.emails += len(ids)
    return summary


def _render(
    name: str,
    recipients: list[AlertRecipient],
    alerts: dict[int, list[AlertedTrial]],
    renderers: dict[str, BulkEmailRenderer],
) -> list[tuple[RenderedEmail, SubscriberLinks]]:
    """Each recipient's email and links, in order; the emails of one language rendered together."""
    per_email = current_app.config["ALERTS_TRIALS_PER_EMAIL"]
    portal_name = current_app.config["PORTAL_NAME"]
    links = subscriber_links([(r.id, r.token_nonce) for r in recipients])
    by_language: dict[str, list[int]] = defaultdict(list)
    for index, recipient in enumerate(recipients):
        by_language[recipient.language].append(index)
    emails: dict[int, RenderedEmail] = {}
    for language, indexes in by_language.items():
        if language not in renderers:
            renderers[language] = BulkEmailRenderer(language)
        contexts = []
        for index in indexes:
            trials = alerts[recipients[index].id]
            contexts.append(
                {
                    "subscriber": recipients[index],
                    "trials": trials[:per_email],
                    "more": len(trials) - per_email if len(trials) > per_email else 0,
                    "total": len(trials),
                    "manage_url": links[index].manage,
                    "unsubscribe_url": links[index].unsubscribe,
                    "portal_name": portal_name,
                }
            )
        for index, email in zip(indexes, renderers[language].render_all(name, contexts), strict=True):
            emails[index] = email
    return [(emails[index], link) for index, link in enumerate(links)]


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
