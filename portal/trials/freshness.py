"""Whether a trial's status may be out of date, and what the page says at the top of a trial that is not open."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import gettext

from portal.trials.presenters import partial_date
from portal.vocabulary import ACTUAL, ENROLLING_BY_INVITATION, EXPANDED_ACCESS_AVAILABLE, OPEN_STATUSES

# A status the study team has not confirmed for longer than this may be out of date.
STALE_AFTER_MONTHS = 12
# Why a status may be out of date; a tuple of these is part of the page's cache key (see portal.trials.page).
VERIFIED_LONG_AGO = "verified"
PAST_PRIMARY_COMPLETION = "completion"


def today() -> date:
    """Today's date (UTC) for the freshness rules; tests fix the day by monkeypatching this function."""
    return datetime.now(UTC).date()


def _month_number(value: str) -> int | None:
    """ "2023-03" or "2023-03-15" -> a count of months, to compare two months."""
    try:
        year, month = int(value[:4]), int(value[5:7])
    except ValueError:
        return None
    return year * 12 + month - 1 if 1 <= month <= 12 else None


def _last_day(value: str) -> date | None:
    """The last day a partial date can mean: "2016-12" -> 31 December 2016, "2016-12-05" -> itself."""
    try:
        if len(value) == 7:
            year, month = int(value[:4]), int(value[5:7])
            return date(year, month, calendar.monthrange(year, month)[1])
        return date.fromisoformat(value)
    except ValueError:
        return None


def stale_reasons(status: str, verified: str | None, primary_completion: str | None, on: date) -> tuple[str, ...]:
    """Why an open trial's status may be out of date on the day `on`: () when it is fresh, or not open.

    "Open" is OPEN_STATUSES, as for the search's default, the alerts and the contact form: recruiting or not yet
    recruiting. The flag guards against sending a patient to a study that no longer takes people (a published audit,
    Jones et al., BMJ Open 2017, found 31% of 405 trials with a wrong recruitment status or one updated more than a
    year late). A study enrolling by invitation or active but not recruiting takes no new people whatever its date
    says; its page already says so at the top (`not_open_notice`).
    """
    if status not in OPEN_STATUSES:
        return ()
    reasons = []
    verified_month = _month_number(verified) if verified else None
    if verified_month is not None and (on.year * 12 + on.month - 1) - verified_month > STALE_AFTER_MONTHS:
        reasons.append(VERIFIED_LONG_AGO)
    completion_day = _last_day(primary_completion) if primary_completion else None
    if completion_day is not None and on > completion_day:
        reasons.append(PAST_PRIMARY_COMPLETION)
    return tuple(reasons)


def stale_status_warning(
    status: str,
    verified: str | None,
    primary_completion: str | None,
    primary_completion_type: str | None,
    on: date,
) -> str | None:
    """The sentences that say an open trial's status may be out of date, and what to do; None when it is not."""
    reasons = stale_reasons(status, verified, primary_completion, on)
    if not reasons:
        return None
    sentences = [gettext("This study’s status may be out of date.")]
    if VERIFIED_LONG_AGO in reasons and verified:
        sentences.append(gettext("The study team last confirmed it in %(month)s.", month=partial_date(verified[:7])))
    if PAST_PRIMARY_COMPLETION in reasons and primary_completion:
        when = partial_date(primary_completion)
        if primary_completion_type == ACTUAL:
            sentences.append(
                gettext(
                    "The record says the study finished collecting data for its main results on %(date)s.", date=when
                )
                if len(primary_completion) == 10
                else gettext(
                    "The record says the study finished collecting data for its main results in %(date)s.", date=when
                )
            )
        else:
            sentences.append(
                gettext("The study expected to finish collecting data for its main results by %(date)s.", date=when)
            )
    sentences.append(gettext("Ask the study team whether it is still looking for people."))
    return " ".join(sentences)


@dataclass(frozen=True)
class NotOpenNotice:
    """What the top of the page of a trial that is not open says, and a search for open trials instead."""

    text: str
    search_text: str
    search_url: str


def not_open_notice(status: str, condition: str | None, search_url: str) -> NotOpenNotice | None:
    """None for an open trial. `search_url` finds open trials of `condition` (or any, when it is None)."""
    if status in OPEN_STATUSES:
        return None
    if status == ENROLLING_BY_INVITATION:
        text = gettext("This study is not looking for new participants: it takes only people the study team invites.")
    elif status == EXPANDED_ACCESS_AVAILABLE:
        text = gettext(
            "This is not a study looking for participants: the treatment may be available outside a study "
            "(expanded access). Ask your doctor about it."
        )
    else:
        text = gettext("This study is not looking for new participants.")
    if condition:
        search_text = gettext("Find trials of %(condition)s that are looking for people", condition=condition)
    else:
        search_text = gettext("Find trials that are looking for people")
    return NotOpenNotice(text, search_text, search_url)
