"""Read study objects from files: one study, a {"studies": [...]} page or a JSON array, plain, gzipped or zipped."""

from __future__ import annotations

import gzip
import json
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from portal import jsontext

MB = 1024 * 1024
# A study file in ClinicalTrials.gov's bulk zip takes at most a few MB; a member far past that is a zip bomb.
MAX_MEMBER_BYTES = 50 * MB
# A .json.gz can hold a whole website export of thousands of studies, so it may unpack to more than a member.
MAX_GZIP_BYTES = 1024 * MB
READ_CHUNK = MB
SOURCE_SUFFIXES = (".json", ".json.gz", ".zip")
NO_STUDY = 'holds no study: expected a study object, a {"studies": [...]} page or a JSON array'


@dataclass(frozen=True)
class SourceRecord:
    """One study from a file, or the reason a file could not be read (study is None then)."""

    path: Path
    index: int | None  # position in the file's list; None for a file holding a single study
    study: Any = None
    error: str | None = None
    member: str | None = None  # the file inside a zip archive that holds the study

    @property
    def where(self) -> str:
        place = str(self.path) if self.member is None else f"{self.path}:{self.member}"
        return place if self.index is None else f"{place}: record {self.index + 1}"


def is_source(path: Path) -> bool:
    """A file the importer reads when it finds it in a folder."""
    return path.name.lower().endswith(SOURCE_SUFFIXES)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and is_source(p)))
        else:
            files.append(path)
    return files


def read_sources(paths: Iterable[Path]) -> Iterator[list[SourceRecord]]:
    """Yield each JSON document's records in turn, so a large import never holds every file in memory."""
    for path in expand_paths(paths):
        yield from read_documents(path)


def read_documents(path: Path) -> Iterator[list[SourceRecord]]:
    """The records of one file: one list for a JSON or .json.gz file, one per study file inside a zip."""
    name = path.name.lower()
    if name.endswith(".zip"):
        yield from _read_zip(path)
    elif name.endswith(".gz"):
        yield _read_gzip(path)
    else:
        yield _read_plain(path)


def read_file(path: Path) -> list[SourceRecord]:
    """Every record of one file at once; an import streams them with read_sources instead."""
    return [record for records in read_documents(path) for record in records]


def _failure(path: Path, error: str, member: str | None = None) -> list[SourceRecord]:
    return [SourceRecord(path, None, error=error, member=member)]


def _records(data: Any, path: Path, member: str | None) -> list[SourceRecord]:
    if isinstance(data, list):
        return [SourceRecord(path, i, study, member=member) for i, study in enumerate(data)]
    if isinstance(data, dict) and "protocolSection" in data:
        return [SourceRecord(path, None, data, member=member)]
    if isinstance(data, dict) and isinstance(data.get("studies"), list):
        return [SourceRecord(path, i, study, member=member) for i, study in enumerate(data["studies"])]
    return _failure(path, NO_STUDY, member)


def _parse(raw: bytes | bytearray, path: Path, member: str | None = None) -> list[SourceRecord]:
    try:
        data = jsontext.loads(raw)
    except json.JSONDecodeError as exc:
        return _failure(path, f"not valid JSON (line {exc.lineno}, column {exc.colno})", member)
    except UnicodeDecodeError:
        return _failure(path, "not UTF-8 text", member)
    except ValueError as exc:  # e.g. an integer longer than Python converts
        return _failure(path, f"not valid JSON ({exc})", member)
    except RecursionError:
        return _failure(path, "not valid JSON (nested too deeply)", member)
    return _records(data, path, member)


def _read_capped(handle: IO[bytes], limit: int) -> bytearray | None:
    """All of a stream, or None as soon as it holds more than `limit` bytes."""
    buffer = bytearray()
    while chunk := handle.read(READ_CHUNK):
        buffer += chunk
        if len(buffer) > limit:
            return None
    return buffer


def _read_plain(path: Path) -> list[SourceRecord]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _failure(path, "file not found")
    except OSError as exc:
        return _failure(path, f"cannot be read ({exc.strerror})")
    return _parse(raw, path)


def _read_gzip(path: Path) -> list[SourceRecord]:
    try:
        with gzip.open(path, "rb") as handle:
            raw = _read_capped(handle, MAX_GZIP_BYTES)
    except FileNotFoundError:
        return _failure(path, "file not found")
    except EOFError:
        return _failure(path, "not a complete gzip file: it ends too early (cut short in the download?)")
    except (gzip.BadGzipFile, zlib.error) as exc:
        return _failure(path, f"not a readable gzip file ({exc})")
    except OSError as exc:
        return _failure(path, f"cannot be read ({exc.strerror})")
    if raw is None:
        return _failure(path, f"unpacks to more than {MAX_GZIP_BYTES // MB} MB; not read")
    return _parse(raw, path)


def _read_zip(path: Path) -> Iterator[list[SourceRecord]]:
    """One member at a time: the real bulk download holds about 550,000 study files."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        yield _failure(path, "file not found")
        return
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        yield _failure(path, f"not a readable zip archive ({exc})")
        return
    except OSError as exc:
        yield _failure(path, f"cannot be read ({exc.strerror})")
        return
    with archive:
        studies = 0
        for info in archive.infolist():
            if info.is_dir() or not info.filename.lower().endswith(".json") or _is_mac_metadata(info.filename):
                continue
            studies += 1
            yield _read_member(archive, info, path)
        if studies == 0:
            yield _failure(path, "holds no .json file")


def _is_mac_metadata(name: str) -> bool:
    # Archives made on a Mac carry "__MACOSX/._NAME.json" resource forks beside the real files.
    return name.startswith("__MACOSX/") or name.rpartition("/")[2].startswith("._")


def _member_name(name: str) -> str:
    """The member's name as one printable line (an archive can name its files anything)."""
    printable = "".join(c if c.isprintable() else "?" for c in name)
    return printable if len(printable) <= 200 else f"{printable[:200]}…"


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> list[SourceRecord]:
    member = _member_name(info.filename)
    too_large = f"unpacks to more than {MAX_MEMBER_BYTES // MB} MB, far more than one study takes; not read"
    if info.file_size > MAX_MEMBER_BYTES:
        return _failure(path, too_large, member)
    try:
        with archive.open(info) as handle:
            raw = _read_capped(handle, MAX_MEMBER_BYTES)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        return _failure(path, f"cannot be unpacked ({exc})", member)
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, or a compression method Python lacks
        return _failure(path, f"cannot be unpacked ({exc})", member)
    except OSError as exc:
        return _failure(path, f"cannot be read ({exc.strerror})", member)
    if raw is None:
        return _failure(path, too_large, member)
    return _parse(raw, path, member)
