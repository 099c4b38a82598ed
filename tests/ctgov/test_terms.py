"""Trial terms for matching people's conditions, and when a trial counts as new."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from portal.ctgov.terms import normalise_term, phrases, singular
from portal.extensions import db
from portal.models import Trial, TrialTerm
from tests.conftest import DEMO_TRIALS, import_files


@pytest.mark.parametrize(
    ("word", "expected"),
    [("diseases", "disease"), ("tumors", "tumor"), ("therapies", "therapy"), ("lupus", "lupus"), ("glass", "glass")],
)
def test_plural_and_singular_alike(word: str, expected: str) -> None:
    assert singular(word) == expected


def test_a_persons_condition_matches_a_phrase_of_the_trials_term() -> None:
    trial = phrases("Systemic Lupus Erythematosus")
    assert normalise_term("lupus") in trial
    assert normalise_term("Lupus erythematosus") in trial
    assert normalise_term("Breast cancers") in phrases("Metastatic Breast Cancer")
    assert normalise_term("Sjögren syndrome") == normalise_term("sjogren syndromes")
    assert normalise_term("heart attack") not in phrases("Heart Failure")


def study(nct_id: str) -> dict:  # type: ignore[type-arg]
    data = json.loads((DEMO_TRIALS / f"{nct_id}.json").read_text())
    return data["studies"][0] if "studies" in data else data


def trial_row(app: Flask, nct_id: str) -> Trial:
    with app.app_context():
        trial = db.session.scalar(select(Trial).where(Trial.nct_id == nct_id))
        assert trial is not None
        db.session.expunge(trial)
        return trial


def test_conditions_keywords_and_mesh_terms_are_indexed(app: Flask, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT04012996")
    with app.app_context():
        terms = dict(db.session.execute(select(TrialTerm.phrase, TrialTerm.origin)).tuples().all())
    assert terms["cervical disc disease"] == "Symptomatic Cervical Disc Disease"  # a condition
    assert terms["intervertebral disc degeneration"] == "Intervertebral Disc Degeneration"  # a MeSH term
    assert terms["spinal disease"] == "Spinal Diseases"  # a MeSH ancestor


def write(path: Path, data: dict) -> Path:  # type: ignore[type-arg]
    path.write_text(json.dumps(data))
    return path


def test_a_trial_is_new_when_first_seen_open_or_when_it_opens_again(app: Flask, tmp_path: Path) -> None:
    record = study("NCT06667843")  # recruiting
    import_files(app, write(tmp_path / "v1.json", record))
    first = trial_row(app, "NCT06667843").opened_at
    assert first is not None

    record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2031-01-01"
    record["protocolSection"]["descriptionModule"]["briefSummary"] += " Updated."
    import_files(app, write(tmp_path / "v2.json", record))
    assert trial_row(app, "NCT06667843").opened_at == first  # still open: not new again

    record["protocolSection"]["statusModule"].update(overallStatus="ACTIVE_NOT_RECRUITING")
    record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2031-02-01"
    import_files(app, write(tmp_path / "v3.json", record))
    record["protocolSection"]["statusModule"].update(overallStatus="RECRUITING")
    record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2031-03-01"
    import_files(app, write(tmp_path / "v4.json", record))
    reopened = trial_row(app, "NCT06667843").opened_at
    assert reopened is not None and reopened > first


def test_a_closed_trial_is_not_new(app: Flask, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT02210780")  # completed
    assert trial_row(app, "NCT02210780").opened_at is None
