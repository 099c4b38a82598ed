"""Similar trials on a trial's page: open trials nearest in meaning, for the same kind of patient, never itself."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import SearchFacts, Trial
from portal.trials.similar import similar_trials
from portal.vocabulary import ALL_SEXES, OPEN_STATUSES
from tests.embeddings.conftest import RecordingEmbedder, import_and_embed

NSCLC_RECRUITING = "NCT06097962"
OVERACTIVE_BLADDER_WOMEN = "NCT06797245"
MEANING_LABEL = "Matched by meaning with a language model that runs on this site; no data leaves it."


@pytest.fixture
def demo(app: Flask, embedder: RecordingEmbedder) -> None:
    import_and_embed(app)


def similar_section(html: str) -> str:
    match = re.search(r'<section id="similar".*?</section>', html, re.S)
    assert match is not None, "no similar trials section"
    return match.group(0)


def linked_trials(section: str) -> list[str]:
    return re.findall(r'href="/trials/(NCT\d{8})"', section)


def test_a_trial_page_lists_open_trials_near_in_meaning_never_itself(
    app: Flask, client: FlaskClient, demo: None
) -> None:
    section = similar_section(client.get(f"/trials/{NSCLC_RECRUITING}").text)
    assert MEANING_LABEL in section
    shown = linked_trials(section)
    assert 1 <= len(shown) <= 5
    assert NSCLC_RECRUITING not in shown
    with app.app_context():
        trials = {t.nct_id: t for t in db.session.scalars(select(Trial).where(Trial.nct_id.in_(shown)))}
        assert all(trials[n].overall_status in OPEN_STATUSES for n in shown)
        # Near in meaning: lung cancer trials, for a lung cancer trial.
        assert all("NSCLC" in trials[n].condition_names or "lung" in trials[n].brief_title.lower() for n in shown)


def test_similar_trials_take_the_same_kind_of_patient(app: Flask, demo: None) -> None:
    with app.app_context():
        trial = db.session.scalar(select(Trial).where(Trial.nct_id == OVERACTIVE_BLADDER_WOMEN))
        assert trial.sex == "FEMALE"
        found = similar_trials(db.session, trial)
        assert found
        others = {
            t.nct_id: t for t in db.session.scalars(select(Trial).where(Trial.nct_id.in_([f.nct_id for f in found])))
        }
        for item in found:
            other = others[item.nct_id]
            assert other.sex in (ALL_SEXES, "FEMALE")
            assert other.eligibility_given
            assert other.overall_status in OPEN_STATUSES
        # A men-only trial is never offered to a women-only trial's readers, however near.
        db.session.execute(update(SearchFacts).where(SearchFacts.nct_id == found[0].nct_id).values(sex="MALE"))
        db.session.commit()
        assert found[0].nct_id not in [f.nct_id for f in similar_trials(db.session, trial)]


def test_the_cached_page_follows_a_similar_trial_that_closes(app: Flask, client: FlaskClient, demo: None) -> None:
    first = linked_trials(similar_section(client.get(f"/trials/{NSCLC_RECRUITING}").text))
    with app.app_context():
        trial = db.session.scalar(select(Trial).where(Trial.nct_id == first[0]))
        trial.overall_status = "COMPLETED"  # through the ORM, as an import does: the trial's updated_at moves
        db.session.execute(update(SearchFacts).where(SearchFacts.nct_id == first[0]).values(overall_status="COMPLETED"))
        db.session.commit()
    again = linked_trials(similar_section(client.get(f"/trials/{NSCLC_RECRUITING}").text))
    assert first[0] not in again
