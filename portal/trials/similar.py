"""Similar trials on a trial's page: open trials nearest in meaning that take the same kind of patient."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from portal.embeddings.runtime import get_matrix
from portal.models.trial import SearchFacts, Trial, TrialCondition
from portal.vocabulary import ALL_SEXES, OPEN_STATUSES

SHOWN = 5
# The nearest trials looked at before the filters: most of a catalogue is closed, so several times what is shown.
CANDIDATES = 60
# Below this cosine two trials share little more than being trials (see portal.search.semantic).
MIN_SIMILARITY = 0.35
CONDITIONS_SHOWN = 3


@dataclass(frozen=True)
class SimilarTrial:
    nct_id: str
    brief_title: str
    overall_status: str
    conditions: list[str]


def same_kind_of_patient(trial: Trial) -> list[ColumnElement[bool]]:
    """Conditions on search_facts for trials that could take the people this trial takes: a sex it takes, ages
    that overlap. A record without its eligibility module says nothing of either, so it asks nothing (and a trial
    that does ask never meets such a record: its sexes and ages are unknown)."""
    if not trial.eligibility_given:
        return []
    facts = SearchFacts
    wanted: list[ColumnElement[bool]] = [facts.eligibility_given.is_(True)]
    if trial.sex and trial.sex != ALL_SEXES:
        wanted.append(facts.sex.in_([ALL_SEXES, trial.sex]))
    if trial.maximum_age_minutes is not None:
        wanted.append(or_(facts.minimum_age_minutes.is_(None), facts.minimum_age_minutes <= trial.maximum_age_minutes))
    if trial.minimum_age_minutes is not None:
        wanted.append(or_(facts.maximum_age_minutes.is_(None), facts.maximum_age_minutes >= trial.minimum_age_minutes))
    return wanted


def similar_trials(session: Session, trial: Trial) -> list[SimilarTrial]:
    """Up to SHOWN open, visible trials nearest in meaning, nearest first; none when meaning is off or this trial
    has no vector yet."""
    if not current_app.config.get("SEMANTIC_SEARCH", True):
        return []
    matrix = get_matrix(session)
    vector = matrix.vector_of(trial.id)
    if vector is None:
        return []
    near = [trial_id for trial_id, _ in matrix.nearest(vector, CANDIDATES + 1, MIN_SIMILARITY) if trial_id != trial.id]
    if not near:
        return []
    facts = SearchFacts
    allowed = set(
        session.scalars(
            select(facts.trial_id).where(
                facts.trial_id.in_(near),
                facts.hidden.is_(False),
                facts.overall_status.in_(OPEN_STATUSES),
                and_(*same_kind_of_patient(trial)),
            )
        )
    )
    chosen = [trial_id for trial_id in near if trial_id in allowed][:SHOWN]
    if not chosen:
        return []
    rows = {
        t.id: t
        for t in session.execute(
            select(Trial.id, Trial.nct_id, Trial.brief_title, Trial.overall_status).where(Trial.id.in_(chosen))
        )
    }
    conditions: dict[int, list[str]] = {}
    for trial_id, name in session.execute(
        select(TrialCondition.trial_id, TrialCondition.name)
        .where(TrialCondition.trial_id.in_(chosen))
        .order_by(TrialCondition.trial_id, TrialCondition.position)
    ).tuples():
        conditions.setdefault(trial_id, []).append(name)
    return [
        SimilarTrial(
            rows[i].nct_id, rows[i].brief_title, rows[i].overall_status, conditions.get(i, [])[:CONDITIONS_SHOWN]
        )
        for i in chosen
        if i in rows
    ]
