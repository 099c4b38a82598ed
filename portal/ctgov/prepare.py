"""Reading records before the database sees them: the NCT ID, the content hash and the normalised study.

It needs nothing but the records, so a big import hands whole batches to another process (`prepare_batch`) while
it writes the previous one; a small one reads each record as it goes, and only the records that changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from portal.ctgov.record import RecordError, TrialData, hashed_json, normalise_study, peek_nct_id


@dataclass(frozen=True)
class Prepared:
    nct_id: str | None  # as peeked, for messages and the stored-version lookup
    digest: str
    data: TrialData | None = None  # None: not read yet, or not readable (then `error` says why)
    error: str | None = None
    canonical: str | None = None  # the JSON text the digest was worked out from


def prepare(study: Any, *, read: bool, first_look: Prepared | None = None) -> Prepared:
    """`first_look`: what a look with `read=False` found, whose hash (a tenth of the import's time) is reused."""
    if first_look is not None:
        nct_id, digest, canonical = first_look.nct_id, first_look.digest, first_look.canonical
    else:
        (digest, canonical), nct_id = hashed_json(study), peek_nct_id(study)
    if not read:
        return Prepared(nct_id, digest, canonical=canonical)
    try:
        data = normalise_study(study, digest)
    except RecordError as exc:
        return Prepared(nct_id, digest, error=str(exc), canonical=canonical)
    return Prepared(nct_id, digest, replace(data, raw_json=canonical), canonical=canonical)


def prepare_batch(studies: list[Any]) -> list[Prepared]:
    """In a worker process: every study read in full. The record itself is not sent back (the caller has it)."""
    prepared = [prepare(study, read=True) for study in studies]
    return [p if p.data is None else replace(p, data=replace(p.data, raw={})) for p in prepared]


def with_raw(prepared: Prepared, study: Any) -> Prepared:
    """A worker's result with the record put back as the trial's raw copy."""
    return prepared if prepared.data is None else replace(prepared, data=replace(prepared.data, raw=study))
