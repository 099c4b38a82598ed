"""Ages such as "18 Months" and "1 Year" become comparable numbers."""

from __future__ import annotations

import pytest

from portal.ctgov.ages import MINUTES_PER_YEAR, AgeError, minutes_to_years, parse_age


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("18 Years", 18, "year"),
        ("1 Year", 1, "year"),
        ("18 Months", 18, "month"),
        ("8 Months", 8, "month"),
        ("18 Minutes", 18, "minute"),
        ("6 Weeks", 6, "week"),
        ("28 Days", 28, "day"),
        ("12 Hours", 12, "hour"),
    ],
)
def test_real_age_texts_parse(text: str, value: int, unit: str) -> None:
    age = parse_age(text)
    assert age is not None
    assert (age.value, age.unit) == (value, unit)


def test_ages_in_different_units_compare() -> None:
    def minutes(text: str) -> int:
        age = parse_age(text)
        assert age is not None
        return age.minutes

    assert minutes("12 Months") == minutes("1 Year")
    assert minutes("18 Minutes") < minutes("12 Hours") < minutes("28 Days") < minutes("8 Months")
    assert minutes("18 Months") < minutes("2 Years")
    assert minutes_to_years(minutes("18 Years")) == pytest.approx(18)


def test_a_year_is_365_and_a_quarter_days_and_a_month_a_twelfth_of_it() -> None:
    assert MINUTES_PER_YEAR == 525_960
    assert minutes_to_years(525_960) == 1.0
    age = parse_age("18 Months")
    assert age is not None and minutes_to_years(age.minutes) == 1.5


@pytest.mark.parametrize("text", [None, "", "  ", "N/A"])
def test_missing_age_means_no_limit(text: str | None) -> None:
    assert parse_age(text) is None


@pytest.mark.parametrize("text", ["eighteen", "18", "18 Fortnights", "Years 18"])
def test_unreadable_ages_are_errors(text: str) -> None:
    with pytest.raises(AgeError):
        parse_age(text)
