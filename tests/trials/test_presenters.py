"""Registry codes become plain words for patients."""

from __future__ import annotations

import pytest

from portal.trials.presenters import age_range, partial_date
from portal.vocabulary import phase_label, sex_label, status_label


@pytest.mark.parametrize(
    ("phases", "label"),
    [
        (["PHASE1", "PHASE2"], "Phase 1/2"),
        (["PHASE2", "PHASE3"], "Phase 2/3"),
        (["PHASE3"], "Phase 3"),
        (["EARLY_PHASE1"], "Early phase 1"),
        (["NA"], "Not applicable"),
        ([], None),
        (None, None),
    ],
)
def test_phase_labels(app_ctx, phases: list[str] | None, label: str | None) -> None:  # type: ignore[no-untyped-def]
    with app_ctx.test_request_context():
        assert phase_label(phases) == label


@pytest.mark.parametrize(
    ("minimum", "maximum", "words"),
    [
        ("18 Years", "65 Years", "18 to 65 years"),
        ("18 Years", None, "18 years and older"),
        (None, "18 Years", "Up to 18 years"),
        (None, None, "Any age"),
        ("1 Year", None, "1 year and older"),
        ("18 Months", "50 Years", "18 months to 50 years"),
        ("18 Minutes", None, "18 minutes and older"),
    ],
)
def test_age_ranges_in_plain_words(app_ctx, minimum: str | None, maximum: str | None, words: str) -> None:  # type: ignore[no-untyped-def]
    with app_ctx.test_request_context():
        assert age_range(minimum, maximum, given=True) == words


def test_ages_of_a_record_without_its_eligibility_module_are_not_given(app_ctx) -> None:  # type: ignore[no-untyped-def]
    """No limits in a copy without the module are unknown ages, not "Any age"."""
    with app_ctx.test_request_context():
        assert age_range(None, None, given=False) == "Not given in this copy of the record"


def test_status_and_sex_labels(app_ctx) -> None:  # type: ignore[no-untyped-def]
    with app_ctx.test_request_context():
        assert status_label("ACTIVE_NOT_RECRUITING") == "Active, not recruiting"
        assert status_label("NOT_YET_RECRUITING") == "Not yet recruiting"
        assert status_label("SOMETHING_NEW") == "Something new"
        assert sex_label("FEMALE") == "Female"
        assert sex_label("ALL") == "All"
        assert sex_label(None) == "Not given in this copy of the record"


def test_dates_keep_their_precision(app_ctx) -> None:  # type: ignore[no-untyped-def]
    with app_ctx.test_request_context():
        assert partial_date("2025-10-15") == "15 October 2025"
        assert partial_date("2025-10") == "October 2025"
        assert partial_date("not a date") is None
