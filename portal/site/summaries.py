"""Plain-language summaries: their reading grade, saving one (audited), and the operators' review list.

Who may write which trial's summary is decided by `portal.site.services.editable_trials`, never here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

import textstat
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.models import PlainSummary, Site, SiteMembership, Trial
from portal.models.base import utcnow
from portal.models.plain_summary import WRITTEN_BY_PORTAL, WRITTEN_BY_SITE, registry_summary_hash
from portal.models.user import User
from portal.site import audit
from portal.text import to_plain_text

MAX_SUMMARY = 6000  # characters of Markdown: a few short paragraphs, well under a page
MIN_WORDS_FOR_GRADE = 10  # below this a reading grade says nothing
TARGET_GRADE = 8  # the issue asks for US grades 6 to 8
_LIST_MARK_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


@dataclass(frozen=True)
class ReadingGrade:
    score: float  # Flesch-Kincaid grade level, one decimal
    grade: int  # the US school grade it rounds to, at least 1

    @property
    def above_target(self) -> bool:
        return self.grade > TARGET_GRADE


def _sentences(markdown: str) -> str:
    """The text as sentences: each line (a paragraph line or a list item) ends with a full stop if it has none, so
    a bulleted list reads as short sentences, not as one long one."""
    lines = []
    for line in markdown.splitlines():
        text = to_plain_text(_LIST_MARK_RE.sub("", line))
        if text:
            lines.append(text if text[-1] in ".!?:;" else f"{text}.")
    return " ".join(lines)


def reading_grade(markdown: str | None) -> ReadingGrade | None:
    """The Flesch-Kincaid grade of the text as a patient reads it (no Markdown), or None when it is too short."""
    text = _sentences(markdown or "")
    if textstat.lexicon_count(text) < MIN_WORDS_FOR_GRADE:
        return None
    score = float(textstat.flesch_kincaid_grade(text))
    return ReadingGrade(score=round(score, 1), grade=max(1, round(score)))


def plain_summary_of(session: Session, trial: Trial) -> PlainSummary | None:
    return session.scalar(
        select(PlainSummary).where(PlainSummary.trial_id == trial.id).options(selectinload(PlainSummary.site))
    )


def author_site(session: Session, user: User, trial: Trial) -> Site | None:
    """The site of this trial the user writes for: none for an operator, else their first site of the trial."""
    if user.is_admin:
        return None
    return session.scalar(
        select(Site)
        .join(SiteMembership, SiteMembership.site_id == Site.id)
        .where(SiteMembership.user_id == user.id, Site.trial_id == trial.id)
        .order_by(Site.id)
        .limit(1)
    )


def save_plain_summary(
    session: Session, user: User, trial: Trial, markdown: str, now: datetime | None = None
) -> tuple[PlainSummary, bool]:
    """Write or replace the trial's summary, against the registry summary as it is now (which clears a review
    flag), and audit it. The caller has checked the user may (`editable_trials`). Returns the row and whether
    anything changed. Flushes."""
    now = now or utcnow()
    markdown = markdown.strip()
    site = author_site(session, user, trial)
    summary = plain_summary_of(session, trial)
    values = {
        "markdown": markdown,
        "author_user_id": user.id,
        "site_id": site.id if site else None,
        "written_by": WRITTEN_BY_SITE if site else WRITTEN_BY_PORTAL,
        "registry_summary_hash": registry_summary_hash(trial.brief_summary),
        "registry_summary_text": trial.brief_summary,
        "needs_review": False,
        "flagged_at": None,
    }
    created = summary is None
    if summary is None:
        summary = PlainSummary(trial_id=trial.id, created_at=now, updated_at=now, **values)
        session.add(summary)
    elif all(getattr(summary, name) == value for name, value in values.items()):
        return summary, False
    else:
        for name, value in values.items():
            setattr(summary, name, value)
        summary.updated_at = now
    grade = reading_grade(markdown)
    # The detail names the trial and fingerprints the text: who changed what, without copying it into the log.
    detail = f"{trial.nct_id}: {len(markdown)} characters, sha256 {hashlib.sha256(markdown.encode()).hexdigest()[:12]}"
    if grade is not None:
        detail += f", grade {grade.score}"
    action = audit.SUMMARY_WRITTEN if created else audit.SUMMARY_CHANGED
    audit.record(session, user, action, [None], detail, now)
    session.flush()
    return summary, True


def all_plain_summaries(session: Session, limit: int = 500) -> list[PlainSummary]:
    """For operators: those that need review first (oldest flag first), then the most recently written."""
    return list(
        session.scalars(
            select(PlainSummary)
            .options(selectinload(PlainSummary.trial), selectinload(PlainSummary.site))
            .order_by(PlainSummary.needs_review.desc(), PlainSummary.flagged_at, PlainSummary.updated_at.desc())
            .limit(limit)
        )
    )


def count_needing_review(session: Session) -> int:
    return session.scalar(select(func.count()).where(PlainSummary.needs_review.is_(True))) or 0
