"""The importer's batches: the same rows as one record at a time, versions of a trial within one batch, a bad
record among many, and the progress bar on a terminal."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import undefer

from portal.ctgov import importer
from portal.ctgov.batch import write_trials
from portal.ctgov.importer import import_records, upsert_trial
from portal.ctgov.progress import ImportProgress
from portal.ctgov.record import normalise_study
from portal.ctgov.sources import read_sources
from portal.extensions import db
from portal.models import Site, Trial, TrialCondition, TrialTerm
from portal.models.search_index import FTS_TABLE, RANK_VECTOR_COLUMN, VECTOR_COLUMN
from portal.models.trial import SearchFacts
from tests.conftest import DEMO_TRIALS
from tests.ctgov.test_import import study, write

SOME = ["NCT04012996", "NCT04600544", "NCT05426668", "NCT03281889", "NCT06667843", "NCT04267848"]


def dated(nct_id: str, day: str, title: str | None = None) -> dict[str, Any]:
    record = study(nct_id)
    record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = day
    if title is not None:
        record["protocolSection"]["identificationModule"]["briefTitle"] = title
    return record


def snapshot() -> dict[str, Any]:
    """Everything the importer writes for a trial, keyed by NCT ID and site key (ids and clocks aside)."""
    trials = {t.nct_id: t for t in db.session.scalars(select(Trial))}
    by_id = {t.id: t.nct_id for t in trials.values()}
    skip = {"id", "created_at", "updated_at", "first_seen_at", "opened_at"}
    trial_rows = {
        nct: {c.name: getattr(t, c.key) for c in Trial.__table__.columns if c.name not in skip}
        for nct, t in trials.items()
    }
    sites = sorted(
        (by_id[s.trial_id], s.site_key, s.position, s.facility, s.city, s.status, s.latitude, s.contacts)
        for s in db.session.scalars(select(Site))
    )
    conditions = sorted(
        (by_id[c.trial_id], c.position, c.name, c.name_lower) for c in db.session.scalars(select(TrialCondition))
    )
    terms = sorted((by_id[t.trial_id], t.phrase, t.origin) for t in db.session.scalars(select(TrialTerm)))
    facts = {
        by_id[f.trial_id]: {c.key: getattr(f, c.key) for c in SearchFacts.__table__.columns if c.key != "trial_id"}
        for f in db.session.scalars(select(SearchFacts))
    }
    if db.engine.dialect.name == "postgresql":
        index = sorted(
            db.session.execute(
                text(f"SELECT nct_id, {VECTOR_COLUMN}::text, {RANK_VECTOR_COLUMN}::text FROM search_facts")  # noqa: S608
            ).tuples()
        )
    else:
        index = sorted(
            (by_id[row[0]], *row[1:])
            for row in db.session.execute(text(f"SELECT rowid, * FROM {FTS_TABLE}")).tuples()  # noqa: S608
        )
    return {
        "trials": trial_rows,
        "sites": sites,
        "conditions": conditions,
        "terms": terms,
        "facts": facts,
        "index": index,
    }


def one_at_a_time(records: list[dict[str, Any]]) -> None:
    for record in records:
        with db.session.begin_nested():
            upsert_trial(db.session, normalise_study(record))
    db.session.commit()


def test_a_batch_writes_exactly_what_one_record_at_a_time_writes(app_ctx: Flask, tmp_path: Path) -> None:
    first = [study(nct_id) for nct_id in SOME]
    # The second version moves, drops and adds sites, and changes the text the index holds.
    second = [dated(nct_id, "2031-01-01", f"New title {i}") for i, nct_id in enumerate(SOME)]
    for record in second:
        locations = record["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])
        if locations:
            locations[0]["city"] = "Somewhere Else"
            locations.append({"facility": "A new place", "city": "Boise", "country": "United States"})
            del locations[1:2]
        record["protocolSection"]["conditionsModule"]["conditions"] = ["Asthma", "Heart Failure"]

    one_at_a_time(first)
    one_at_a_time(second)
    expected = snapshot()
    db.session.execute(text("DELETE FROM trials"))
    db.session.commit()

    summary = import_records(db.session, read_sources([write(tmp_path / "1.json", first)]))
    assert (summary.created, summary.updated, summary.failed) == (len(SOME), 0, 0)
    summary = import_records(db.session, read_sources([write(tmp_path / "2.json", second)]))
    assert (summary.created, summary.updated, summary.failed) == (0, len(SOME), 0)
    assert snapshot() == expected


def test_site_ids_stay_and_the_hidden_flag_survives_a_batched_update(app_ctx: Flask, tmp_path: Path) -> None:
    import_records(db.session, read_sources([DEMO_TRIALS / "NCT04012996.json"]))
    trial = db.session.scalar(select(Trial).where(Trial.nct_id == "NCT04012996"))
    assert trial is not None
    ids = dict(db.session.execute(select(Site.site_key, Site.id).where(Site.trial_id == trial.id)).tuples().all())
    trial.hidden = True
    db.session.commit()

    summary = import_records(
        db.session, read_sources([write(tmp_path / "v2.json", dated("NCT04012996", "2031-01-01"))])
    )

    assert summary.updated == 1
    after = dict(db.session.execute(select(Site.site_key, Site.id).where(Site.trial_id == trial.id)).tuples().all())
    assert after == ids
    assert db.session.scalar(select(SearchFacts.hidden).where(SearchFacts.trial_id == trial.id)) is True


def test_versions_of_one_trial_in_one_batch_count_and_keep_the_newest(app_ctx: Flask, tmp_path: Path) -> None:
    records = [
        dated("NCT04600544", "2030-01-01", "Version one"),
        dated("NCT04600544", "2030-06-01", "Version two"),
        dated("NCT04600544", "2029-01-01", "An older copy"),
        dated("NCT04600544", "2030-06-01", "Version two"),
    ]

    summary = import_records(db.session, read_sources([write(tmp_path / "f.json", records)]))

    assert summary.line() == "1 created, 1 updated, 2 unchanged, 0 failed"
    assert db.session.scalar(select(Trial.brief_title)) == "Version two"
    assert db.session.scalar(select(func.count()).select_from(SearchFacts)) == 1


def test_text_with_tabs_backslashes_and_emoji_and_a_copy_without_its_text_come_back_whole(
    app_ctx: Flask, tmp_path: Path
) -> None:
    title = 'Tab\there, a back\\slash, a "quote",\na new line, \u00fc and \U0001f642'
    record = dated("NCT04600544", "2030-01-01", title)
    import_records(db.session, read_sources([write(tmp_path / "f.json", [record])]))
    # A version read without its canonical text (as upsert_trial's callers give it): its copy is the object.
    other = normalise_study(dated("NCT04012996", "2030-01-01", title))
    assert other.raw_json is None
    with db.session.begin_nested():
        write_trials(db.session, [(other, None)])
    db.session.commit()
    db.session.expire_all()

    stored = {t.nct_id: t for t in db.session.scalars(select(Trial).options(undefer(Trial.raw)))}
    assert stored["NCT04600544"].brief_title == title
    assert stored["NCT04600544"].raw == record
    assert stored["NCT04012996"].brief_title == title
    assert stored["NCT04012996"].raw == other.raw
    assert db.session.scalar(select(Site.city).where(Site.trial_id == stored["NCT04012996"].id).limit(1))


def test_a_bad_record_among_many_batches_is_the_only_one_lost(
    app_ctx: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    records: list[Any] = [study(nct_id) for nct_id in SOME]
    nul = study("NCT06223893")
    nul["protocolSection"]["identificationModule"]["briefTitle"] = "Held\x00back"  # refused by the database layer
    records.insert(3, nul)
    records.insert(1, {"protocolSection": {}})
    progress: list[int] = []

    summary = import_records(db.session, read_sources([write(tmp_path / "f.json", records)]), progress.append)

    assert summary.line() == f"{len(SOME)} created, 0 updated, 0 unchanged, 2 failed"
    assert any("NCT06223893" in line for line in summary.errors)
    assert set(db.session.scalars(select(Trial.nct_id))) == set(SOME)
    assert sum(progress) == len(records) and max(progress) == 2


def test_the_progress_bar_shows_the_rate_and_the_time_left(tmp_path: Path) -> None:
    files = [write(tmp_path / f"{i}.json", [study("NCT04600544")] * 4) for i in range(2)]
    stream = io.StringIO()
    clock = iter([0.0, 2.0, 4.0, 6.0])
    progress = ImportProgress(files, stream, clock=lambda: next(clock))
    pages = progress.sources()

    next(pages)  # the first file: 4 records read, the other file's size says about 4 more
    progress.advance(4)
    assert "4 / ~8 records  2 records/s  ETA 0:02" in stream.getvalue()
    next(pages, None)
    list(pages)
    progress.advance(4)
    progress.finish()
    last = stream.getvalue().split("\r")[-1]
    assert last.startswith("[" + "#" * 24 + "]") and "8 / 8 records" in last and last.endswith("\n")


def test_the_command_line_import_reports_progress_to_a_log(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    records = [json.loads(json.dumps(study("NCT04600544"))) for _ in range(3)]
    result = runner.invoke(args=["trials", "import", str(write(tmp_path / "f.json", records))])
    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated, 2 unchanged, 0 failed" in result.output
    assert "\r" not in result.stderr  # not a terminal: no bar drawn over itself


def test_with_a_reading_process_the_import_writes_the_same_and_reports_the_same(
    app_ctx: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The records read in another process, batches ahead: the same rows, counts and refusals as in one."""
    monkeypatch.setattr(importer, "BATCH_SIZE", 3)
    records: list[Any] = [study(nct_id) for nct_id in SOME]
    records.insert(2, {"protocolSection": {}})
    records.append(dated("NCT04600544", "2031-01-01", "Updated in the same import"))
    records.append(study("NCT04012996"))  # the very same record again
    path = write(tmp_path / "f.json", records)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")

    summary = import_records(db.session, read_sources([path, bad]))
    expected = snapshot()
    db.session.execute(text("DELETE FROM trials"))
    db.session.commit()
    progress: list[int] = []
    parallel = import_records(db.session, read_sources([path, bad]), progress.append, workers=1)

    assert parallel.line() == summary.line() == f"{len(SOME)} created, 1 updated, 1 unchanged, 2 failed"
    assert parallel.errors == summary.errors
    assert snapshot() == expected
    assert sum(progress) == len(records) + 1
