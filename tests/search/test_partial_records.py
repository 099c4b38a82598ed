"""A search never matches a trial on a value its record never gave: a partial copy without the eligibility module
(dgarzon11's export) has no sex, ages or healthy-volunteer answer, so no filter on them lets it through."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal.extensions import db
from portal.models import SearchFacts, Trial
from portal.search.service import SearchPage, parse_search_args, search_trials
from tests.conftest import CTGOV_BULK, DEMO_TRIALS, import_files

PARTIAL_EXPORT = CTGOV_BULK / "dgarzon11__clinicaltrialsHFpEF__duchenne_studies_sample.json.gz"
INFANT_TRIAL = "NCT05412394"  # recruiting, no eligibility module
ANY_AGE = "NCT05631392"  # recruiting, ALL, no age limit, healthy volunteers not accepted
FROM_8_MONTHS = "NCT05814159"  # recruiting, ALL, 8 months and older
HEALTHY = "NCT04409171"  # completed, ALL, no age limit, takes healthy volunteers
ALL_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING", "COMPLETED", "ACTIVE_NOT_RECRUITING", "UNKNOWN", "TERMINATED")


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    summary = import_files(app, PARTIAL_EXPORT, *(DEMO_TRIALS / f"{n}.json" for n in (ANY_AGE, FROM_8_MONTHS, HEALTHY)))
    assert summary.failed == 0, summary.errors
    with app.app_context():
        yield db.session
        db.session.rollback()
        db.session.remove()


def run(session: Session, **args: Any) -> SearchPage:
    query, errors = parse_search_args(MultiDict(args))
    assert errors == {}
    return search_trials(session, replace(query, per_page=1000))


def ids(page: SearchPage) -> set[str]:
    return {hit.nct_id for hit in page.hits}


def partial_ids(session: Session) -> set[str]:
    return set(session.scalars(select(Trial.nct_id).where(Trial.eligibility_given.is_(False))))


def test_the_partial_records_are_found_without_eligibility_filters(session: Session) -> None:
    partial = partial_ids(session)
    assert len(partial) == 427 and INFANT_TRIAL in partial
    assert run(session, q=INFANT_TRIAL).hits[0].nct_id == INFANT_TRIAL
    recruiting = ids(run(session))
    assert INFANT_TRIAL in recruiting and {ANY_AGE, FROM_8_MONTHS} <= recruiting
    assert len(recruiting & partial) > 10


def test_a_missing_sex_is_not_all(session: Session) -> None:
    partial = partial_ids(session)
    for sex in ("FEMALE", "MALE"):
        found = run(session, sex=sex)
        assert ids(found) == {ANY_AGE, FROM_8_MONTHS}  # the real ALL-sex trials, no partial record
        assert run(session, q=INFANT_TRIAL, sex=sex).total == 0
        counts = {value: count for value, _, count in run(session).facets["sex"]}
        assert counts[sex] == 2
    assert not ids(run(session, status=ALL_STATUSES, sex="FEMALE")) & partial


def test_missing_ages_pass_no_age_filter(session: Session) -> None:
    """An infant trial whose copy gives no ages is not offered to a 1-year-old on a guess; real limits are."""
    partial = partial_ids(session)
    assert ids(run(session, age="1")) == {ANY_AGE, FROM_8_MONTHS}
    assert ids(run(session, age="0")) == {ANY_AGE}
    assert run(session, q=INFANT_TRIAL, age="1").total == 0
    assert not ids(run(session, status=ALL_STATUSES, age="40")) & partial


def test_unknown_healthy_volunteers_do_not_pass(session: Session) -> None:
    assert ids(run(session, status=ALL_STATUSES, healthy="1")) == {HEALTHY}


def test_the_search_facts_copy_whether_eligibility_was_given(session: Session) -> None:
    facts = dict(session.execute(select(SearchFacts.nct_id, SearchFacts.eligibility_given)).tuples().all())
    trials = dict(session.execute(select(Trial.nct_id, Trial.eligibility_given)).tuples().all())
    assert facts == trials
    assert facts[INFANT_TRIAL] is False and facts[ANY_AGE] is True


def test_a_result_card_states_no_age_its_record_never_gave(session: Session, client: FlaskClient) -> None:
    page = client.get("/trials", query_string={"q": f"{INFANT_TRIAL} OR {ANY_AGE}"}).get_data(as_text=True)
    cards = {card.split('href="/trials/', 1)[1][:11]: card for card in page.split('<li class="trial-card">')[1:]}
    assert set(cards) == {INFANT_TRIAL, ANY_AGE}
    assert "Any age" in cards[ANY_AGE]
    assert "Any age" not in cards[INFANT_TRIAL] and "Phase 4" in cards[INFANT_TRIAL]
