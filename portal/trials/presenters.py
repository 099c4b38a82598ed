"""Plain-language ages and dates for trial pages (registry codes and their labels are in portal.vocabulary)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.dates import format_time as babel_format_time
from babel.lists import format_list
from flask_babel import format_date, format_time, get_locale, gettext, ngettext, npgettext

from portal.ctgov.ages import AgeError, parse_age
from portal.geo import country_code
from portal.models import Trial
from portal.vocabulary import sex_label


def _age_words(value: float, unit: str, *, with_unit: bool = True) -> str:
    number = int(value) if value == int(value) else value
    if not with_unit:
        return str(number)
    forms = {
        # An age, not a length of time: Chinese says 岁 for one and 年 for the other.
        "year": npgettext("age", "%(num)s year", "%(num)s years", number),
        "month": ngettext("%(num)s month", "%(num)s months", number),
        "week": ngettext("%(num)s week", "%(num)s weeks", number),
        "day": ngettext("%(num)s day", "%(num)s days", number),
        "hour": ngettext("%(num)s hour", "%(num)s hours", number),
        "minute": ngettext("%(num)s minute", "%(num)s minutes", number),
    }
    return forms[unit]


def age_range(minimum: str | None, maximum: str | None, *, given: bool) -> str:
    """ "18 to 65 years", "18 years and older", "Up to 17 years", "Any age".

    `given` says whether the record has its eligibility module: with it, a missing limit is the registry's "no
    limit"; without it (a partial copy of the record) the ages are not known, and nothing is made up.
    """
    if not given:
        return gettext("Not given in this copy of the record")
    try:
        low, high = parse_age(minimum), parse_age(maximum)
    except AgeError:
        return gettext("See eligibility")
    if low is None and high is None:
        return gettext("Any age")
    if low is not None and high is None:
        return gettext("%(age)s and older", age=_age_words(low.value, low.unit))
    if low is None and high is not None:
        return gettext("Up to %(age)s", age=_age_words(high.value, high.unit))
    assert low is not None and high is not None
    if low.unit == high.unit:
        return gettext(
            "%(low)s to %(high)s",
            low=_age_words(low.value, low.unit, with_unit=False),
            high=_age_words(high.value, high.unit),
        )
    return gettext("%(low)s to %(high)s", low=_age_words(low.value, low.unit), high=_age_words(high.value, high.unit))


# Every date a page shows has this one form: "23 January 2025" in English, and a month alone "January 2025"; in
# other languages, the locale's own long form with the month in words ("23 de enero de 2025", "2025年1月23日").
# static/js/notes-share.js shows dates the server wrote with it, never its own.
DATE_PATTERN = "d MMMM y"
MONTH_PATTERN = "MMMM y"


def day_text(value: date) -> str:
    locale = get_locale()
    if locale is None or locale.language == "en":
        return babel_format_date(value, DATE_PATTERN, locale=locale or "en")
    return format_skeleton("yMMMMd", value, locale=locale)


def month_text(value: date) -> str:
    locale = get_locale()
    if locale is None or locale.language == "en":
        return babel_format_date(value, MONTH_PATTERN, locale=locale or "en")
    return format_skeleton("yMMMM", value, locale=locale)


def partial_date(value: str | date | None) -> str | None:
    """ "2025-10-15" -> "15 October 2025"; "2025-10" -> "October 2025"; a datetime -> its day (in UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return format_date(value, DATE_PATTERN) if _english() else day_text(_utc_day(value))
    if isinstance(value, date):
        return day_text(value)
    try:
        if len(value) == 7:
            return month_text(date.fromisoformat(f"{value}-01"))
        return day_text(date.fromisoformat(value))
    except ValueError:
        return None


def _english() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "en"


def _utc_day(value: datetime) -> date:
    return value.astimezone(UTC).date() if value.tzinfo else value.date()


def date_and_time(value: datetime, *, seconds: bool = False, zone: tzinfo | None = None) -> str:
    """ "3 November 2026, 12:30 UTC": a moment on a staff page, its date in the same form as every other date.

    With a zone (a study site's own), the time is the site's and the zone is named beside it:
    "3 November 2026, 07:30 America/New_York".
    """
    pattern = "HH:mm:ss" if seconds else "HH:mm"
    if zone is None:
        day = format_date(value, DATE_PATTERN) if _english() else day_text(_utc_day(value))
        return gettext("%(date)s, %(time)s UTC", date=day, time=format_time(value, pattern))
    local = value.astimezone(zone)
    return gettext(
        "%(date)s, %(time)s %(zone)s",
        date=day_text(local.date()),
        time=babel_format_time(local.time(), pattern, locale=get_locale()),
        zone=zone_label(zone),
    )


def zone_label(zone: tzinfo | None) -> str:
    """How a zone is named beside a time: its IANA name ("America/New_York"), else "UTC"."""
    return str(getattr(zone, "key", None) or "UTC")


def short_list(names: Sequence[str], limit: int = 3) -> str:
    """ "A, B and C", or "A, B, C and 4 more" past `limit`, joined as the page's language joins lists."""
    names = [name for name in names if name]
    if len(names) <= limit:
        return format_list(names, locale=get_locale()) if names else ""
    more = len(names) - limit
    return ngettext("%(list)s and %(num)s more", "%(list)s and %(num)s more", more, list=", ".join(names[:limit]))


def who_can_join(trial: Trial) -> str:
    """Ages, sex and healthy volunteers in one line, as the eligibility section states them."""
    if not trial.eligibility_given:
        return gettext("Not given in this copy of the record.")
    parts = [
        gettext("Ages: %(ages)s", ages=age_range(trial.minimum_age_text, trial.maximum_age_text, given=True)),
        gettext("Sex: %(sex)s", sex=sex_label(trial.sex)),
    ]
    if trial.healthy_volunteers is True:
        parts.append(gettext("Healthy volunteers can join"))
    elif trial.healthy_volunteers is False:
        parts.append(gettext("Healthy volunteers cannot join"))
    return "; ".join(parts)


def local_country_name(name: str) -> str:
    """A country as the registry names it ("United States"), in the page's language (Babel's CLDR names)."""
    code = country_code(name)
    locale = get_locale()
    if code is None or locale is None:
        return name
    return locale.territories.get(code, name)
