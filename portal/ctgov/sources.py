"""Read study objects from files: one study, a {"studies": [...]} page, a JSON array, or a folder of them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SourceRecord:
    """One study from a file, or the reason a file could not be read (study is None then)."""

    path: Path
    index: int | None  # position in the file's list; None for a file holding a single study
    study: Any = None
    error: str | None = None

    @property
    def where(self) -> str:
        return str(self.path) if self.index is None else f"{self.path}: record {self.index + 1}"


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        else:
            files.append(path)
    return files


def read_file(path: Path) -> list[SourceRecord]:
    try:
        with path.open("rb") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return [SourceRecord(path, None, error="file not found")]
    except json.JSONDecodeError as exc:
        return [SourceRecord(path, None, error=f"not valid JSON (line {exc.lineno}, column {exc.colno})")]
    except UnicodeDecodeError:
        return [SourceRecord(path, None, error="not UTF-8 text")]
    except OSError as exc:
        return [SourceRecord(path, None, error=f"cannot be read ({exc.strerror})")]
    if isinstance(data, list):
        return [SourceRecord(path, i, study) for i, study in enumerate(data)]
    if isinstance(data, dict) and "protocolSection" in data:
        return [SourceRecord(path, None, data)]
    if isinstance(data, dict) and isinstance(data.get("studies"), list):
        return [SourceRecord(path, i, study) for i, study in enumerate(data["studies"])]
    return [
        SourceRecord(
            path,
            None,
            error='holds no study: expected a study object, a {"studies": [...]} page or a JSON array',
        )
    ]


def read_sources(paths: Iterable[Path]) -> Iterator[list[SourceRecord]]:
    """Yield each file's records in turn, so a large import never holds every file in memory."""
    for path in expand_paths(paths):
        yield read_file(path)
