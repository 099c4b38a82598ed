"""What our copy of a trial's record gives and leaves out, for the page: the notice at the top of an incomplete
copy, and the sections that say "Not given in this copy of the record" rather than state something about the study.

Read from the record as imported (`trials.raw`) when the page is rendered, once per version of the trial (see
portal.trials.page): cached page views never read it. Search results need only `trials.eligibility_given`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.ctgov.record import given_modules, missing_modules
from portal.vocabulary import RECORD_PART_LABELS, record_part_label

DESCRIPTION = "descriptionModule"
ELIGIBILITY = "eligibilityModule"
CONTACTS_LOCATIONS = "contactsLocationsModule"


@dataclass(frozen=True)
class RecordCopy:
    given: frozenset[str]
    # The modules every complete record has that this copy leaves out (portal.ctgov.record.ALWAYS_GIVEN_MODULES).
    missing: tuple[str, ...]

    @classmethod
    def of(cls, raw: dict[str, Any]) -> RecordCopy:
        return cls(given=given_modules(raw), missing=missing_modules(raw))

    @property
    def incomplete(self) -> bool:
        return bool(self.missing)

    @property
    def gives_description(self) -> bool:
        return DESCRIPTION in self.given

    @property
    def gives_eligibility(self) -> bool:
        return ELIGIBILITY in self.given

    @property
    def gives_locations(self) -> bool:
        return CONTACTS_LOCATIONS in self.given

    def left_out(self) -> list[str]:
        """What the notice of an incomplete copy lists, in page order: the parts of a record this one lacks."""
        if not self.incomplete:
            return []
        absent = [name for name in RECORD_PART_LABELS if name not in self.given]
        return [record_part_label(name) for name in absent]
