"""The import's fast JSON (orjson, portal.jsontext) reads and hashes records exactly as the standard library did."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal import jsontext
from portal.extensions import db
from portal.models import Trial
from tests.conftest import CTGOV_BULK, DEMO_TRIALS
from tests.ctgov.test_import import run_import, study


def every_repository_record() -> list[object]:
    records: list[object] = []
    for path in sorted(CTGOV_BULK.glob("*.json.gz")):
        data = json.loads(gzip.decompress(path.read_bytes()))
        records.extend(data if isinstance(data, list) else data.get("studies", [data]))
    for path in sorted(DEMO_TRIALS.glob("*.json")):
        data = json.loads(path.read_bytes())
        records.extend(data.get("studies", [data]))
    return records


def test_the_canonical_text_of_every_record_is_the_standard_librarys() -> None:
    # Stored trials' content hashes were worked out from json.dumps' text: a different text would make every trial
    # look changed at the next import.
    records = every_repository_record()
    assert len(records) > 1000
    for record in records:
        expected = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert jsontext.canonical(record) == expected


def test_a_record_orjson_refuses_is_read_as_before(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    # A lone surrogate escape is valid JSON syntax that orjson refuses. The file is still read (by the standard
    # library), the record that carries it is refused on its own, and the other record of the file imports.
    bad, good = study("NCT04012996"), study("NCT04267848")
    bad["protocolSection"]["identificationModule"]["briefTitle"] = "placeholder"
    text = json.dumps([bad, good]).replace('"placeholder"', '"broken \\ud800 title"')
    path = tmp_path / "two.json"
    path.write_text(text)
    result = run_import(runner, path)
    assert "NCT04012996" in result.output and "1 created" in result.output and "1 failed" in result.output
    with app.app_context():
        assert db.session.scalars(select(Trial.nct_id)).all() == ["NCT04267848"]


def test_integer_keys_in_a_json_column_are_written_as_text() -> None:
    assert json.loads(jsontext.dumps({1: "a", "b": [1.5, None]})) == {"1": "a", "b": [1.5, None]}
    assert jsontext.loads(b'{"a": NaN}')["a"] != 0  # NaN is not JSON; the standard library reads it, as before
