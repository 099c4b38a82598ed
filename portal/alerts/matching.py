"""Which new trials fit which subscribers: set-based SQL, chunked by subscriber so no write lock is held long.

A trial fits when it is open (recruiting or not yet recruiting), one of its term phrases equals one of the
subscriber's condition phrases (see portal.ctgov.terms), and, unless the subscriber chose "anywhere", it has a
recruiting site inside their circle. The unique (subscriber, trial) pair makes a second alert impossible.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Insert, Select, and_, func, literal, null, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from portal.database import begin_write
from portal.geo import sql_great_circle_km
from portal.models.alert import ACTIVE, AlertRun, Subscriber, SubscriberCondition, TrialAlert
from portal.models.base import UTCDateTime
from portal.models.trial import Site, Trial, TrialTerm
from portal.vocabulary import OPEN_STATUSES, RECRUITING

# Each run looks again at trials opened shortly before the previous run began: an import that was still
# committing then is not missed, and trials seen twice are stopped by the unique constraint.
LOOK_BACK = timedelta(days=1)
SUBSCRIBERS_PER_CHUNK = 20_000
# New alerts, at least, after which their table's planner statistics are refreshed (PostgreSQL).
ANALYZE_AFTER = 10_000
COLUMNS = ["subscriber_id", "trial_id", "matched_phrase", "site_id", "distance_km", "created_at"]


def _fits(since: datetime | None, low: int, high: int) -> tuple[Any, ...]:
    """What every match shares: an open trial, opened after the subscriber confirmed, a term phrase in common."""
    conditions = [
        Trial.overall_status.in_(OPEN_STATUSES),
        Trial.hidden.is_(False),  # an operator hid it: no page to send anyone to
        Trial.opened_at.is_not(None),
        Trial.opened_at >= Subscriber.confirmed_at,
        Subscriber.status == ACTIVE,
        Subscriber.id.between(low, high),
    ]
    if since is not None:
        conditions.append(Trial.opened_at >= since)
    return tuple(conditions)


def _joined(query: Select[Any]) -> Select[Any]:
    return (
        query.select_from(Trial)
        .join(TrialTerm, TrialTerm.trial_id == Trial.id)
        .join(SubscriberCondition, SubscriberCondition.phrase == TrialTerm.phrase)
        .join(Subscriber, Subscriber.id == SubscriberCondition.subscriber_id)
    )


def nearby_matches(since: datetime | None, low: int, high: int, now: datetime) -> Select[Any]:
    """Subscribers with a radius: the nearest recruiting site in their circle, one row per (subscriber, trial)."""
    site = aliased(Site)
    distance = sql_great_circle_km(Subscriber.latitude, Subscriber.longitude, site.latitude, site.longitude)
    ranked = (
        _joined(
            select(
                SubscriberCondition.subscriber_id.label("subscriber_id"),
                Trial.id.label("trial_id"),
                SubscriberCondition.phrase.label("matched_phrase"),
                site.id.label("site_id"),
                distance.label("distance_km"),
                func.row_number()
                .over(
                    partition_by=(SubscriberCondition.subscriber_id, Trial.id),
                    order_by=(distance, SubscriberCondition.phrase, site.id),
                )
                .label("rank"),
            )
        )
        .join(
            site,
            and_(
                site.trial_id == Trial.id,
                site.status == RECRUITING,
                # The box first: plain comparisons on indexed columns, before any trigonometry.
                site.latitude.between(Subscriber.min_latitude, Subscriber.max_latitude),
                site.longitude.between(Subscriber.min_longitude, Subscriber.max_longitude),
            ),
        )
        .where(*_fits(since, low, high), Subscriber.radius_km.is_not(None), distance <= Subscriber.radius_km)
        .subquery()
    )
    return select(
        ranked.c.subscriber_id,
        ranked.c.trial_id,
        ranked.c.matched_phrase,
        ranked.c.site_id,
        ranked.c.distance_km,
        literal(now, UTCDateTime()),
    ).where(ranked.c.rank == 1)


def anywhere_matches(since: datetime | None, low: int, high: int, now: datetime) -> Select[Any]:
    """Subscribers who chose "anywhere": no site needed."""
    return (
        _joined(
            select(
                SubscriberCondition.subscriber_id,
                Trial.id,
                func.min(SubscriberCondition.phrase),
                null(),
                null(),
                literal(now, UTCDateTime()),
            )
        )
        .where(*_fits(since, low, high), Subscriber.radius_km.is_(None))
        .group_by(SubscriberCondition.subscriber_id, Trial.id)
    )


def _insert_new_alerts(session: Session, query: Select[Any]) -> int:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement: Insert = (
        insert(TrialAlert.__table__)  # type: ignore[arg-type]
        .from_select(COLUMNS, query)
        .on_conflict_do_nothing(index_elements=["subscriber_id", "trial_id"])
        # Counted from RETURNING: psycopg reports no rowcount for INSERT ... SELECT with bound parameters.
        .returning(TrialAlert.__table__.c.id)
    )
    return len(session.execute(statement).all())


def previous_start(session: Session) -> datetime | None:
    return session.scalar(select(func.max(AlertRun.started_at)).where(AlertRun.finished_at.is_not(None)))


def match_new_trials(session: Session, now: datetime, since: datetime | None) -> int:
    """Write an alert for every (subscriber, trial) that newly fits; returns how many were written.

    Commits once per chunk of subscribers, to keep each write transaction short.
    """
    low, high = session.execute(
        select(func.min(Subscriber.id), func.max(Subscriber.id)).where(Subscriber.status == ACTIVE)
    ).one()
    session.commit()
    if low is None:
        return 0
    created = 0
    for start in range(low, high + 1, SUBSCRIBERS_PER_CHUNK):
        end = start + SUBSCRIBERS_PER_CHUNK - 1
        begin_write(session)
        created += _insert_new_alerts(session, nearby_matches(since, start, end, now))
        created += _insert_new_alerts(session, anywhere_matches(since, start, end, now))
        session.commit()
    if created >= ANALYZE_AFTER and session.get_bind().dialect.name == "postgresql":
        # The emails are written next, chunk by chunk, by subscriber: with statistics from before these alerts
        # existed, PostgreSQL reads every waiting alert for each chunk instead of the chunk's own.
        session.execute(text("ANALYZE trial_alerts"))
        session.commit()
    return created
