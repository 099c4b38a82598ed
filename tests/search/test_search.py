"""The search service gives the same answers on SQLite and PostgreSQL (the suite runs on both) for the demo trials."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal.admin.services import set_trial_hidden
from portal.ctgov.ages import MINUTES_PER_YEAR, parse_age
from portal.ctgov.importer import upsert_trial
from portal.ctgov.record import normalise_study
from portal.database import refresh_planner_statistics
from portal.extensions import db
from portal.geo import KM_PER_MILE, great_circle_km, resolve_place
from portal.models import Trial
from portal.search.facets import _statement, search_statement
from portal.search.filters import TextMatch
from portal.search.index import dialect_of
from portal.search.service import SearchPage, parse_search_args, search_plan, search_trials
from portal.vocabulary import STATUS_LABELS
from tests.conftest import DEMO_TRIALS, import_files

ALL_STATUSES = tuple(STATUS_LABELS)


def studies() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(DEMO_TRIALS.glob("NCT*.json")):
        data = json.loads(path.read_text())
        study = data["studies"][0] if "studies" in data else data
        found[path.stem] = study["protocolSection"]
    return found


STUDIES = studies()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    summary = import_files(app, DEMO_TRIALS)
    assert summary.failed == 0, summary.errors
    with app.app_context():
        yield db.session
        db.session.rollback()
        db.session.remove()


def run(session: Session, **args: Any) -> SearchPage:
    query, errors = parse_search_args(MultiDict(args))
    assert errors == {}
    return search_trials(session, replace(query, per_page=100))


def ids(page: SearchPage) -> list[str]:
    return [hit.nct_id for hit in page.hits]


def expected(keep: Callable[[dict[str, Any]], bool], statuses: tuple[str, ...] = ALL_STATUSES) -> set[str]:
    return {nct_id for nct_id, p in STUDIES.items() if p["statusModule"]["overallStatus"] in statuses and keep(p)}


def test_a_condition_or_title_match_ranks_above_a_description_match(app: Flask, tmp_path: Path) -> None:
    def record(nct_id: str, title: str, conditions: list[str], description: str) -> dict[str, Any]:
        return {
            "protocolSection": {
                "identificationModule": {"nctId": nct_id, "briefTitle": title},
                "statusModule": {"overallStatus": "RECRUITING"},
                "conditionsModule": {"conditions": conditions},
                "descriptionModule": {"briefSummary": "A study.", "detailedDescription": description},
            }
        }

    path = tmp_path / "records.json"
    described = record("NCT90000001", "Sleep and mood", ["Insomnia"], "Some people also have gastroparesis.")
    titled = record("NCT90000002", "Gastroparesis diet study", ["Nausea"], "Food.")
    conditioned = record("NCT90000003", "Eating well", ["Gastroparesis"], "Food.")
    path.write_text(json.dumps({"studies": [described, titled, conditioned]}))
    assert import_files(app, path).failed == 0
    with app.app_context():
        page = run(db.session, q="gastroparesis")
        assert ids(page)[-1] == "NCT90000001"
        assert set(ids(page)) == {"NCT90000001", "NCT90000002", "NCT90000003"}
        reasons = {hit.nct_id: hit.reasons for hit in page.hits}
        assert reasons["NCT90000003"][0] == "Condition: Gastroparesis"
        assert "Title" in reasons["NCT90000002"]
        assert reasons["NCT90000001"] == ["Description"]
        db.session.remove()


def test_words_phrases_or_and_minus(session: Session) -> None:
    nsclc = set(ids(run(session, q="NSCLC", status=ALL_STATUSES)))
    assert len(nsclc) >= 20
    osimertinib = set(ids(run(session, q="osimertinib", status=ALL_STATUSES)))
    assert osimertinib and osimertinib <= nsclc
    assert set(ids(run(session, q="NSCLC -osimertinib", status=ALL_STATUSES))) == nsclc - osimertinib
    asthma = set(ids(run(session, q="asthma", status=ALL_STATUSES)))
    either = set(ids(run(session, q="asthma or schizophrenia", status=ALL_STATUSES)))
    assert either > asthma
    assert run(session, q="asthma schizophrenia", status=ALL_STATUSES).total == 0
    # Stop words and punctuation are ignored alike on both databases.
    assert set(ids(run(session, q="the asthma, of", status=ALL_STATUSES))) == asthma
    # An NCT ID finds its trial; sponsors and treatments are searched too.
    assert ids(run(session, q="NCT04012996")) == ["NCT04012996"]
    assert "NCT02856893" in ids(run(session, q="osimertinib", status=ALL_STATUSES))


def test_each_filter_and_their_combination(session: Session) -> None:
    recruiting = ("RECRUITING",)
    assert set(ids(run(session))) == expected(lambda p: True, recruiting)
    assert set(ids(run(session, status=["RECRUITING", "NOT_YET_RECRUITING"]))) == expected(
        lambda p: True, ("RECRUITING", "NOT_YET_RECRUITING")
    )
    phase2 = expected(lambda p: "PHASE2" in p["designModule"].get("phases", []))
    assert set(ids(run(session, status=ALL_STATUSES, phase="PHASE2"))) == phase2

    def takes_age(p: dict[str, Any], years: int) -> bool:
        low = parse_age(p["eligibilityModule"].get("minimumAge"))
        high = parse_age(p["eligibilityModule"].get("maximumAge"))
        minutes = years * MINUTES_PER_YEAR
        return (low is None or low.minutes <= minutes) and (high is None or high.minutes >= minutes)

    assert set(ids(run(session, status=ALL_STATUSES, age="10"))) == expected(lambda p: takes_age(p, 10))
    female = expected(lambda p: p["eligibilityModule"].get("sex", "ALL") in {"ALL", "FEMALE"})
    assert set(ids(run(session, status=ALL_STATUSES, sex="female"))) == female
    healthy = expected(lambda p: p["eligibilityModule"].get("healthyVolunteers") is True)
    assert set(ids(run(session, status=ALL_STATUSES, healthy="1"))) == healthy
    observational = expected(lambda p: p["designModule"]["studyType"] == "OBSERVATIONAL")
    assert set(ids(run(session, status=ALL_STATUSES, type="OBSERVATIONAL"))) == observational

    def in_country(p: dict[str, Any], country: str) -> bool:
        return any(loc.get("country") == country for loc in p.get("contactsLocationsModule", {}).get("locations", []))

    france = expected(lambda p: in_country(p, "France"))
    assert france and set(ids(run(session, status=ALL_STATUSES, country="France"))) == france
    combined = run(session, status=ALL_STATUSES, country="France", phase="PHASE2", sex="FEMALE", age="40")
    assert set(ids(combined)) == france & phase2 & female & expected(lambda p: takes_age(p, 40))


def test_facet_counts_leave_out_their_own_filter(session: Session) -> None:
    page = run(session, q="NSCLC", phase="PHASE2")
    nsclc = set(ids(run(session, q="NSCLC", status=ALL_STATUSES)))
    statuses = dict((value, count) for value, _, count in page.facets["status"])
    for code, count in statuses.items():
        assert count == len(
            {i for i in nsclc if STUDIES[i]["statusModule"]["overallStatus"] == code}
            & expected(lambda p: "PHASE2" in p["designModule"].get("phases", []))
        )
    phases = {value: count for value, _, count in page.facets["phase"]}
    recruiting_nsclc = nsclc & expected(lambda p: True, ("RECRUITING",))
    assert phases["PHASE2"] == len(
        [i for i in recruiting_nsclc if "PHASE2" in STUDIES[i]["designModule"].get("phases", [])]
    )
    assert sum(phases.values()) >= page.total
    labels = {value: label for value, label, _ in page.facets["status"]}
    assert labels["NOT_YET_RECRUITING"] == "Not yet recruiting"
    countries = page.facets["country"]
    assert [c for _, _, c in countries] == sorted((c for _, _, c in countries), reverse=True)


def test_pages_split_the_results_without_overlap(session: Session) -> None:
    query, _ = parse_search_args(MultiDict({"status": list(ALL_STATUSES)}))
    first = search_trials(session, replace(query, per_page=20))
    assert (first.total, first.pages, len(first.hits)) == (67, 4, 20)
    seen = set(ids(first))
    for number in (2, 3, 4):
        page = search_trials(session, replace(query, per_page=20, page=number))
        assert not seen & set(ids(page))
        seen |= set(ids(page))
    assert len(seen) == 67
    assert search_trials(session, replace(query, page=9)).hits == []


def test_distance_counts_recruiting_sites_in_the_circle_nearest_first(session: Session) -> None:
    boston = resolve_place("Boston")
    assert boston is not None

    def nearest_miles(p: dict[str, Any]) -> float | None:
        distances = [
            great_circle_km(boston.latitude, boston.longitude, loc["geoPoint"]["lat"], loc["geoPoint"]["lon"])
            for loc in p.get("contactsLocationsModule", {}).get("locations", [])
            if loc.get("status") == "RECRUITING" and loc.get("geoPoint")
        ]
        return min(distances) / KM_PER_MILE if distances else None

    for within in (10, 50, 200):
        page = run(session, near="Boston", within=str(within))
        wanted = {i for i, p in STUDIES.items() if (d := nearest_miles(p)) is not None and d <= within}
        wanted &= expected(lambda p: True, ("RECRUITING",))
        assert set(ids(page)) == wanted
        shown = [hit.nearest.distance for hit in page.hits if hit.nearest]
        assert len(shown) == len(page.hits) and shown == sorted(shown)
        for hit in page.hits:
            assert hit.nearest is not None
            assert hit.nearest.distance == pytest.approx(nearest_miles(STUDIES[hit.nct_id]), abs=0.1)
    assert len(ids(run(session, near="Boston", within="10"))) < len(ids(run(session, near="Boston", within="50")))
    in_km = run(session, near="Boston", within="80", unit="km")
    assert set(ids(in_km)) == set(ids(run(session, near="Boston", within="49")))
    assert all(hit.nearest and hit.nearest.unit == "km" for hit in in_km.hits)


def test_a_search_shaped_like_an_earlier_one_answers_with_its_own_values(session: Session) -> None:
    """The statement is built once per shape (which filters are set) and reused: nothing of one search's text,
    filters, place or page may carry over to the next."""
    searches = [
        {"q": "cancer", "status": ALL_STATUSES, "country": "France", "age": "30", "page": "1"},
        {"q": "cancer", "status": ALL_STATUSES, "country": "United States", "age": "70", "page": "2"},
        {"q": "diabetes", "status": ALL_STATUSES, "country": "United States", "age": "40", "page": "1"},
        {"near": "Boston", "within": "20"},
        {"near": "Paris", "within": "300", "unit": "km"},
    ]

    def answer(args: dict[str, Any]) -> tuple[Any, ...]:
        query, errors = parse_search_args(MultiDict(args))
        assert errors == {}
        page = search_trials(session, replace(query, per_page=5))
        return page.total, ids(page), page.facets, [hit.nearest for hit in page.hits]

    reused = [answer(args) for args in searches]
    fresh = []
    for args in searches:
        _statement.cache_clear()
        fresh.append(answer(args))
    assert reused == fresh
    assert len({total for total, *_ in fresh[:3]}) == 3  # three different answers, not one repeated


def test_a_text_search_reads_the_text_index_not_every_trial(session: Session) -> None:
    """Checking the text of every trial costs several times the index at scale; the PostgreSQL planner cannot see
    that, and takes a full scan for as cheap when a query matches many trials (or, as here, when the table is small).
    SQLite, left to itself, reads a facts table it believes small whole, with a MATCH for each trial."""
    dialect = dialect_of(session)
    refresh_planner_statistics(session)
    if dialect == "sqlite":
        # Statistics from a fresh install with a few trials, not refreshed since: the index must still come first.
        session.execute(text("UPDATE sqlite_stat1 SET stat = '10 1' WHERE tbl = 'search_facts'"))
        session.execute(text("ANALYZE sqlite_schema"))  # reloads the statistics
        session.commit()
    query, _ = parse_search_args(MultiDict({"q": "NSCLC", "phase": ["PHASE2", "PHASE3"]}))
    statement, values = search_statement(dialect, query, TextMatch(dialect, "NSCLC"))
    with search_plan(session, dialect, True):
        connection = session.connection()
        compiled = statement.params(**values).compile(
            dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
        )
        params = compiled.construct_params()
        if dialect == "postgresql":
            rows = connection.exec_driver_sql("EXPLAIN " + compiled.string, params)
        else:
            positional = tuple(params[name] for name in compiled.positiontup or [])
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string, positional)
        plan = "\n".join(" ".join(str(part) for part in row) for row in rows)
    refresh_planner_statistics(session)  # the true ones again, for the tests after this one
    assert "Seq Scan on search_facts" not in plan and "SCAN search_facts" not in plan, plan
    if dialect == "postgresql":
        assert "ix_search_facts_search_vector" in plan, plan
    else:
        # One MATCH for the search ("M"), not one for each trial's row id ("=M").
        assert re.search(r"SCAN trial_search VIRTUAL TABLE INDEX \d+:M", plan), plan
        assert not re.search(r"trial_search VIRTUAL TABLE INDEX \d+:=", plan), plan
    assert search_trials(session, query).total > 0


def test_did_you_mean_and_the_filter_to_drop(session: Session) -> None:
    misspelt = run(session, q="schizofrenia")
    assert misspelt.total == 0 and misspelt.did_you_mean == "schizophrenia"
    assert run(session, q="schizophrenia").total == 1

    narrow = run(session, q="schizophrenia", country="France", age="30")
    assert narrow.total == 0 and narrow.relax == "country"
    assert run(session, q="schizophrenia", age="30").total == 1
    assert run(session, q="no such thing at all").relax is None


@pytest.mark.parametrize(
    ("args", "param"),
    [
        ({"q": "x" * 201}, "q"),
        ({"status": "OPEN"}, "status"),
        ({"phase": "PHASE9"}, "phase"),
        ({"age": "-1"}, "age"),
        ({"age": "abc"}, "age"),
        ({"sex": "other"}, "sex"),
        ({"healthy": "yes"}, "healthy"),
        ({"type": "SURVEY"}, "type"),
        ({"near": "Nowhereville Zzz"}, "near"),
        ({"near": "Boston", "within": "0"}, "within"),
        ({"near": "Boston", "unit": "ft"}, "unit"),
        ({"page": "0"}, "page"),
    ],
)
def test_bad_parameters_are_named_and_refused(app: Flask, args: dict[str, str], param: str) -> None:
    with app.test_request_context():
        _, errors = parse_search_args(MultiDict(args))
    assert list(errors) == [param]
    response = app.test_client().get("/trials", query_string=args)
    assert response.status_code == 400
    assert f'id="search-{param}-error"' in response.get_data(as_text=True)


def test_the_index_follows_a_reimport_and_a_deletion_in_the_same_transaction(session: Session) -> None:
    assert ids(run(session, q="craniospinal")) == ["NCT03281889"]
    study = json.loads((DEMO_TRIALS / "NCT03281889.json").read_text())
    study = study["studies"][0] if "studies" in study else study
    protocol = study["protocolSection"]
    protocol["identificationModule"]["briefTitle"] = "Bone sparing radiotherapy for medulloblastoma"
    protocol["identificationModule"]["officialTitle"] = "Bone sparing radiotherapy"
    protocol["descriptionModule"] = {"briefSummary": "Radiotherapy that spares the bone."}
    protocol["armsInterventionsModule"] = {"interventions": [{"name": "Zebrafinch therapy"}]}
    protocol["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2031-01-01"}
    protocol["conditionsModule"] = {"conditions": ["Brain Tumor"]}
    study.pop("derivedSection", None)
    assert upsert_trial(session, normalise_study(study)) == "updated"
    assert run(session, q="craniospinal").total == 0
    found = run(session, q="zebrafinch")
    assert ids(found) == ["NCT03281889"] and found.hits[0].reasons == ["Treatment: Zebrafinch therapy"]

    session.execute(delete(Trial).where(Trial.nct_id == "NCT03281889"))
    assert run(session, q="zebrafinch").total == 0
    session.rollback()
    assert ids(run(session, q="craniospinal")) == ["NCT03281889"]
    assert session.scalar(select(Trial.brief_title).where(Trial.nct_id == "NCT03281889")).startswith("Proton")


def test_filters_and_counts_follow_a_reimport_and_an_operator_hiding_a_trial(session: Session) -> None:
    """What searches filter and count by is a copy of the trial's columns: it must never go stale."""
    nct_id = "NCT03281889"
    assert nct_id in ids(run(session, status="RECRUITING"))
    study = json.loads((DEMO_TRIALS / f"{nct_id}.json").read_text())
    study = study["studies"][0] if "studies" in study else study
    protocol = study["protocolSection"]
    protocol["statusModule"]["overallStatus"] = "COMPLETED"
    protocol["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2031-01-01"}
    protocol["eligibilityModule"]["minimumAge"] = "90 Years"
    protocol["eligibilityModule"].pop("maximumAge", None)
    assert upsert_trial(session, normalise_study(study)) == "updated"
    assert nct_id not in ids(run(session, status="RECRUITING"))
    completed = run(session, status="COMPLETED", age="95")
    assert nct_id in ids(completed)
    assert dict((code, n) for code, _, n in completed.facets["status"])["COMPLETED"] == completed.total
    assert nct_id not in ids(run(session, status="COMPLETED", age="40"))

    before = run(session, status=ALL_STATUSES)
    set_trial_hidden(session, nct_id, True)
    hidden = run(session, status=ALL_STATUSES)
    assert nct_id not in ids(hidden) and hidden.total == before.total - 1
    assert sum(n for _, _, n in hidden.facets["status"]) == hidden.total
    set_trial_hidden(session, nct_id, False)
    assert nct_id in ids(run(session, status=ALL_STATUSES))
