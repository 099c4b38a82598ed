"""Stored matches per trial: made after an import or a glossary change, read when a page is rendered."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from portal.glossary.matching import TrialMatches, match_record
from portal.glossary.sources import glossary_version
from portal.models import Trial, TrialGlossaryMatch

BATCH = 200


def match_trial(trial: Trial) -> TrialMatches:
    return match_record(trial.raw or {}, trial.condition_names, trial.eligibility_criteria)


@dataclass(frozen=True)
class RefreshSummary:
    matched: int
    unchanged: int

    def line(self) -> str:
        return f"glossary {glossary_version()}: {self.matched} trials matched, {self.unchanged} already up to date"


def refresh_glossary_matches(session: Session, *, everything: bool = False) -> RefreshSummary:
    """Match every trial whose stored row is missing, or was made for another version of the trial or of the
    glossary (or all of them with `everything`). Commits every BATCH trials, like the importer."""
    version = glossary_version()
    stored = {
        trial_id: (row_version, content_hash)
        for trial_id, row_version, content_hash in session.execute(
            select(TrialGlossaryMatch.trial_id, TrialGlossaryMatch.glossary_version, TrialGlossaryMatch.content_hash)
        )
    }
    current = session.execute(select(Trial.id, Trial.content_hash)).all()
    due = [trial_id for trial_id, digest in current if everything or stored.get(trial_id) != (version, digest)]
    for start in range(0, len(due), BATCH):
        ids = due[start : start + BATCH]
        trials = session.scalars(select(Trial).where(Trial.id.in_(ids)).options(undefer(Trial.raw))).all()
        for trial in trials:
            row = session.get(TrialGlossaryMatch, trial.id) or TrialGlossaryMatch(trial_id=trial.id)
            row.glossary_version = version
            row.content_hash = trial.content_hash
            row.matches = match_trial(trial).as_json()
            session.add(row)
        session.commit()
    return RefreshSummary(matched=len(due), unchanged=len(current) - len(due))


def trial_matches(session: Session, trial: Trial) -> TrialMatches:
    """The stored matches when they are for this version of the trial and of the glossary; otherwise (a page
    rendered between an import and its refresh, or in tests) worked out here, the same way, and not stored: a
    page view never writes."""
    row = session.get(TrialGlossaryMatch, trial.id)
    if row is not None and row.glossary_version == glossary_version() and row.content_hash == trial.content_hash:
        return TrialMatches.from_json(row.matches)
    return match_trial(trial)
