"""`trials import` reads what operators download: .json.gz files, zips of study files, folders of both."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal.ctgov import sources
from portal.ctgov.sources import read_documents
from portal.extensions import db
from portal.models import Trial
from tests.conftest import DEMO_TRIALS

IDS = ["NCT06667843", "NCT04600544", "NCT03281889", "NCT05426668", "NCT06223893", "NCT06791122"]


def raw(nct_id: str) -> bytes:
    """A real record, byte for byte as it is kept in portal/demo_trials/."""
    return (DEMO_TRIALS / f"{nct_id}.json").read_bytes()


def study(nct_id: str) -> dict:  # type: ignore[type-arg]
    return json.loads(raw(nct_id))


def gz(path: Path, data: bytes) -> Path:
    path.write_bytes(gzip.compress(data, mtime=0))
    return path


def bulk_zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def run_import(runner: FlaskCliRunner, *paths: Path):  # type: ignore[no-untyped-def]
    return runner.invoke(args=["trials", "import", *map(str, paths)])


def errors(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def imported(app: Flask) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Trial.nct_id)))


def test_gzipped_study_page_and_array(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    single = gz(tmp_path / "NCT06667843.json.gz", raw("NCT06667843"))
    page = {"studies": [study("NCT04600544"), study("NCT03281889")], "nextPageToken": "x"}
    page_gz = gz(tmp_path / "page.json.gz", json.dumps(page).encode())
    array_gz = gz(tmp_path / "ctg-studies.json.gz", json.dumps([study("NCT05426668"), study("NCT06223893")]).encode())

    result = run_import(runner, single, page_gz, array_gz)

    assert result.exit_code == 0, result.output
    assert "5 created, 0 updated, 0 unchanged, 0 failed" in result.output
    assert imported(app) == set(IDS[:5])


def test_a_zip_of_study_files_like_the_bulk_download(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    """One NCTxxxxxxxx.json per study, at the top or in a folder; folders, other files and Mac forks are passed by."""
    members = {f"{nct_id}.json": raw(nct_id) for nct_id in IDS[:2]}
    members.update({f"ctg-studies/{nct_id}.json": raw(nct_id) for nct_id in IDS[2:4]})
    members["ctg-studies/README.txt"] = b"Downloaded from ClinicalTrials.gov"
    members["__MACOSX/ctg-studies/._NCT05426668.json"] = b"\x00\x05\x16\x07 Mac OS X resource fork"
    archive = bulk_zip(tmp_path / "ctg-studies.json.zip", members)

    result = run_import(runner, archive)

    assert result.exit_code == 0, result.output
    assert "4 created, 0 updated, 0 unchanged, 0 failed" in result.output
    assert imported(app) == set(IDS[:4])
    again = run_import(runner, archive)
    assert again.exit_code == 0 and "Nothing changed: all 4 trials were already up to date." in again.output


def test_a_folder_of_a_zip_a_gz_and_a_json(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    (folder / "older").mkdir(parents=True)
    bulk_zip(folder / "studies.zip", {f"{nct_id}.json": raw(nct_id) for nct_id in IDS[:3]})
    gz(folder / "older" / "NCT05426668.json.gz", raw("NCT05426668"))
    (folder / "NCT06223893.json").write_bytes(raw("NCT06223893"))
    (folder / "notes.txt").write_text("not a record")

    result = run_import(runner, folder)

    assert result.exit_code == 0, result.output
    assert "5 created, 0 updated, 0 unchanged, 0 failed" in result.output
    assert imported(app) == set(IDS[:5])


def test_a_bad_member_is_named_by_archive_and_member_and_the_rest_goes_on(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    archive = bulk_zip(
        tmp_path / "studies.zip",
        {
            "NCT06667843.json": raw("NCT06667843"),
            "NCT00000001.json": b"<html>Service unavailable</html>",
            "ctg-studies/NCT00000002.json": b'{"hello": "world"}',
            "NCT04600544.json": raw("NCT04600544"),
        },
    )

    result = run_import(runner, archive)

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert errors(result) == [
        f"error: {archive}:NCT00000001.json: not valid JSON (line 1, column 1)",
        f"error: {archive}:ctg-studies/NCT00000002.json: holds no study: expected a study object, "
        'a {"studies": [...]} page or a JSON array',
    ]
    assert "2 created, 0 updated, 0 unchanged, 2 failed" in result.output
    assert imported(app) == {"NCT06667843", "NCT04600544"}


def test_a_record_refused_inside_an_archive_names_the_member(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    bad = study("NCT05426668")
    bad["protocolSection"]["eligibilityModule"]["minimumAge"] = "eighteen"
    array = json.dumps([study("NCT06223893"), bad]).encode()
    archive = bulk_zip(tmp_path / "pages.zip", {"page-1.json": array})

    result = run_import(runner, archive)

    assert result.exit_code == 1
    assert len(errors(result)) == 1
    assert f"error: {archive}:page-1.json: record 2 (NCT05426668): " in errors(result)[0]
    assert imported(app) == {"NCT06223893"}


def test_a_member_with_a_bad_crc_is_reported_and_the_rest_goes_on(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    archive = bulk_zip(
        tmp_path / "studies.zip",
        {f"{nct_id}.json": raw(nct_id) for nct_id in IDS[:3]},
        method=zipfile.ZIP_STORED,  # stored, so one flipped byte is still JSON and only the CRC tells
    )
    with zipfile.ZipFile(archive) as reading:
        info = reading.getinfo("NCT04600544.json")
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    brief = data.index(b'"briefTitle"', start)
    data[brief + 20] ^= 0x01
    archive.write_bytes(bytes(data))

    result = run_import(runner, archive)

    assert result.exit_code == 1
    assert errors(result) == [
        f"error: {archive}:NCT04600544.json: cannot be unpacked (Bad CRC-32 for file 'NCT04600544.json')"
    ]
    assert imported(app) == {"NCT06667843", "NCT03281889"}


def test_corrupt_archives_get_one_line_each_and_nothing_else_breaks(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    whole = gzip.compress(raw("NCT04012996"), mtime=0)
    truncated = tmp_path / "NCT04012996.json.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    not_gzip = tmp_path / "NCT05426668.json.gz"
    not_gzip.write_bytes(raw("NCT05426668"))
    not_zip = tmp_path / "studies.zip"
    not_zip.write_bytes(raw("NCT04600544"))
    full_zip = bulk_zip(tmp_path / "full.zip", {f"{nct_id}.json": raw(nct_id) for nct_id in IDS[:3]}).read_bytes()
    cut_zip = tmp_path / "download.zip"
    cut_zip.write_bytes(full_zip[: len(full_zip) // 2])
    good = tmp_path / "NCT06223893.json"
    good.write_bytes(raw("NCT06223893"))

    result = run_import(runner, truncated, not_gzip, not_zip, cut_zip, good)

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert errors(result) == [
        f"error: {truncated}: not a complete gzip file: it ends too early (cut short in the download?)",
        f"error: {not_gzip}: not a readable gzip file (Not a gzipped file (b'{{\\n'))",
        f"error: {not_zip}: not a readable zip archive (File is not a zip file)",
        f"error: {cut_zip}: not a readable zip archive (File is not a zip file)",
    ]
    assert "1 created, 0 updated, 0 unchanged, 4 failed" in result.output
    assert imported(app) == {"NCT06223893"}


def test_a_zip_member_that_unpacks_past_50_mb_is_refused_unread(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """Spaces are valid JSON, so this "study" would parse; 51 MB of them pack into about 50 kB."""
    bomb = raw("NCT04600544") + b" " * (51 * 1024 * 1024)
    archive = bulk_zip(tmp_path / "studies.zip", {"NCT04600544.json": bomb, "NCT06667843.json": raw("NCT06667843")})
    assert archive.stat().st_size < 1024 * 1024

    result = run_import(runner, archive)

    assert result.exit_code == 1
    assert errors(result) == [
        f"error: {archive}:NCT04600544.json: unpacks to more than 50 MB, far more than one study takes; not read"
    ]
    assert imported(app) == {"NCT06667843"}


def test_a_gzip_past_its_limit_is_refused(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real limit is 1 GB (a .json.gz may hold a whole website export); a small one shows the check."""
    monkeypatch.setattr(sources, "MAX_GZIP_BYTES", 2 * sources.MB)
    bomb = gz(tmp_path / "ctg-studies.json.gz", raw("NCT04600544") + b" " * (3 * sources.MB))

    result = run_import(runner, bomb)

    assert result.exit_code == 1
    assert errors(result) == [f"error: {bomb}: unpacks to more than 2 MB; not read"]
    assert imported(app) == set()


def test_a_zip_is_read_one_member_at_a_time(tmp_path: Path) -> None:
    archive = bulk_zip(tmp_path / "studies.zip", {f"{nct_id}.json": raw(nct_id) for nct_id in IDS})
    documents = read_documents(archive)
    first = next(documents)
    assert [(record.member, record.study["protocolSection"]["identificationModule"]["nctId"]) for record in first] == [
        ("NCT06667843.json", "NCT06667843")
    ]
    assert first[0].where == f"{archive}:NCT06667843.json"
    assert sum(len(records) for records in documents) == len(IDS) - 1


def test_a_zip_without_study_files_says_so(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    archive = bulk_zip(tmp_path / "photos.zip", {"a.png": b"\x89PNG"})
    result = run_import(runner, archive)
    assert result.exit_code == 1
    assert errors(result) == [f"error: {archive}: holds no .json file"]
