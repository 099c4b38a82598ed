"""The operators' overview at /admin/: requests by status, how quickly sites and trials answer, the sites that never
do, and how the outbox is doing. Figures over the last 180 days, as the patient-facing ones."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.admin.services import outbox_counts
from portal.models import ContactRequest, OutboxEmail, Site, Trial
from portal.models.contact import CONTACT_STATUSES
from portal.models.outbox import PENDING, SENDING
from portal.trials.responsiveness import WINDOW, Responsiveness, combined, responsiveness

MAX_ROWS = 50


@dataclass(frozen=True)
class SiteRow:
    site_id: int
    facility: str
    place: str
    nct_id: str
    figure: Responsiveness


@dataclass(frozen=True)
class TrialRow:
    nct_id: str
    title: str
    figure: Responsiveness


@dataclass(frozen=True)
class OutboxHealth:
    counts: dict[str, int]
    oldest_waiting: timedelta | None

    @property
    def waiting(self) -> int:
        return self.counts.get(PENDING, 0) + self.counts.get(SENDING, 0)


@dataclass(frozen=True)
class Dashboard:
    statuses: list[tuple[str, int]]
    unanswered: int  # escalated: on the phone queue as unanswered
    sites: list[SiteRow]  # with at least 5 requests, slowest share first
    trials: list[TrialRow]
    silent_sites: list[SiteRow]  # requests past their 2 working days, and none ever answered
    outbox: OutboxHealth


def _statuses(session: Session) -> list[tuple[str, int]]:
    counts = dict(
        session.execute(select(ContactRequest.status, func.count()).group_by(ContactRequest.status)).tuples().all()
    )
    known = [(status, counts.pop(status, 0)) for status in CONTACT_STATUSES]
    return known + sorted(counts.items())


def _outbox(session: Session, now: datetime) -> OutboxHealth:
    oldest = session.scalar(select(func.min(OutboxEmail.created_at)).where(OutboxEmail.status.in_((PENDING, SENDING))))
    return OutboxHealth(outbox_counts(session), now - oldest if oldest is not None else None)


def dashboard(session: Session, now: datetime) -> Dashboard:
    figures = responsiveness(session, now)
    sites = {site.id: site for site in session.scalars(select(Site).where(Site.id.in_(list(figures))))}
    trial_ids = {site.trial_id for site in sites.values()}
    trials = {trial.id: trial for trial in session.scalars(select(Trial).where(Trial.id.in_(trial_ids)))}
    rows = []
    by_trial: dict[int, list[Responsiveness]] = defaultdict(list)
    for site_id, figure in figures.items():
        site = sites[site_id]
        trial = trials[site.trial_id]
        by_trial[trial.id].append(figure)
        place = ", ".join(part for part in (site.city, site.country) if part)
        rows.append(SiteRow(site_id, site.facility or "", place, trial.nct_id, figure))
    shown = [row for row in rows if row.figure.shown]
    shown.sort(key=lambda row: (row.figure.share_within_due or 0.0, -row.figure.requests))
    silent = [row for row in rows if row.figure.waits and row.figure.answered == 0]
    silent.sort(key=lambda row: -len(row.figure.waits))
    trial_rows = [
        TrialRow(trials[trial_id].nct_id, trials[trial_id].brief_title, combined(parts))
        for trial_id, parts in by_trial.items()
    ]
    trial_rows = [row for row in trial_rows if row.figure.shown]
    trial_rows.sort(key=lambda row: -row.figure.requests)
    unanswered = session.scalar(
        select(func.count()).where(
            ContactRequest.escalated_at.is_not(None),
            ContactRequest.first_response_at.is_(None),
            ContactRequest.created_at >= now - WINDOW,
        )
    )
    return Dashboard(
        statuses=_statuses(session),
        unanswered=unanswered or 0,
        sites=shown[:MAX_ROWS],
        trials=trial_rows[:MAX_ROWS],
        silent_sites=silent[:MAX_ROWS],
        outbox=_outbox(session, now),
    )
