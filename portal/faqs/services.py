"""Reading and editing FAQs; callers commit."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.faqs.defaults import DEFAULT_FAQS
from portal.models import Faq, Trial


class FaqError(ValueError):
    """A FAQ change that cannot be made."""


def general_faqs(session: Session) -> list[Faq]:
    return list(session.scalars(select(Faq).where(Faq.trial_id.is_(None)).order_by(Faq.position, Faq.id)))


def trial_faqs(session: Session, trial_id: int) -> list[Faq]:
    return list(session.scalars(select(Faq).where(Faq.trial_id == trial_id).order_by(Faq.position, Faq.id)))


def all_faqs(session: Session) -> list[tuple[Faq, str | None]]:
    """Every FAQ with its trial's NCT ID (None for general ones)."""
    rows = session.execute(
        select(Faq, Trial.nct_id)
        .outerjoin(Trial, Trial.id == Faq.trial_id)
        .order_by(Trial.nct_id.is_not(None), Trial.nct_id, Faq.position, Faq.id)
    )
    return [(faq, nct_id) for faq, nct_id in rows.tuples()]


def _clean(text: str, what: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise FaqError(f"the {what} must not be empty")
    return cleaned


def _trial_id(session: Session, nct_id: str | None) -> int | None:
    if nct_id is None:
        return None
    trial_id = session.scalar(select(Trial.id).where(Trial.nct_id == nct_id.strip().upper()))
    if trial_id is None:
        raise FaqError(f"no trial {nct_id} has been imported")
    return trial_id


def add_faq(session: Session, question: str, answer: str, nct_id: str | None = None) -> Faq:
    trial_id = _trial_id(session, nct_id)
    same_page = Faq.trial_id.is_(None) if trial_id is None else Faq.trial_id == trial_id
    last = session.scalar(select(func.max(Faq.position)).where(same_page))
    faq = Faq(
        trial_id=trial_id,
        question=_clean(question, "question"),
        answer=_clean(answer, "answer"),
        position=(last or 0) + 1,
    )
    session.add(faq)
    session.flush()
    return faq


def update_faq(session: Session, faq_id: int, question: str | None = None, answer: str | None = None) -> Faq:
    faq = session.get(Faq, faq_id)
    if faq is None:
        raise FaqError(f"there is no FAQ {faq_id}")
    if question is not None:
        faq.question = _clean(question, "question")
    if answer is not None:
        faq.answer = _clean(answer, "answer")
    session.flush()
    return faq


def delete_faq(session: Session, faq_id: int) -> None:
    faq = session.get(Faq, faq_id)
    if faq is None:
        raise FaqError(f"there is no FAQ {faq_id}")
    session.delete(faq)
    session.flush()


def seed_default_faqs(session: Session) -> int:
    """Add the default general questions that are missing; returns how many were added."""
    existing = {faq.question for faq in general_faqs(session)}
    added = 0
    for position, (question, answer) in enumerate(DEFAULT_FAQS, start=1):
        if question not in existing:
            session.add(Faq(trial_id=None, question=question, answer=answer, position=position))
            added += 1
    session.flush()
    return added
