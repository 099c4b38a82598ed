"""Group a trial's sites by country, then by state (or city where there is no state), each under its status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from babel.numbers import format_decimal
from flask_babel import get_locale, get_translations, gettext

from portal.trials.presenters import local_country_name, partial_date
from portal.trials.sites import LIST_ALL_UP_TO, SiteFacts
from portal.vocabulary import NOT_YET_RECRUITING, RECRUITING

# Up to this many sites, every group is shown open; beyond it groups start collapsed.
OPEN_GROUPS_UP_TO = 12

# The lists of a region, in this order. A trial that is not open has no "recruiting" list: a site its record lists
# as recruiting (or not yet recruiting) is dated instead, since nobody has said so since the last update.
RECRUITING_NOW = "recruiting"
WAS_RECRUITING = "was-recruiting"
WAS_NOT_YET_RECRUITING = "was-not-yet-recruiting"
NOT_RECRUITING = "not-recruiting"
STATUS_NOT_GIVEN = "not-given"
LIST_ORDER = (RECRUITING_NOW, WAS_RECRUITING, WAS_NOT_YET_RECRUITING, NOT_RECRUITING, STATUS_NOT_GIVEN)


@dataclass
class SiteList:
    kind: str
    label: str
    sites: list[SiteFacts]

    @property
    def badges(self) -> bool:
        """Only "Not recruiting" holds sites of several statuses, so only its sites show their own."""
        return self.kind == NOT_RECRUITING


@dataclass
class RegionGroup:
    name: str
    key: str = ""  # the site's state, else its city, as the record writes it; "" when it gives neither
    sites: list[SiteFacts] = field(default_factory=list)
    site_lists: list[SiteList] = field(default_factory=list)
    recruiting: int = 0  # sites recruiting now (none when the trial is not open)


@dataclass
class CountryGroup:
    name: str
    key: str = ""  # the country as the record writes it; "" when it gives none
    regions: list[RegionGroup] = field(default_factory=list)

    @property
    def site_count(self) -> int:
        return sum(len(region.sites) for region in self.regions)

    @property
    def recruiting(self) -> int:
        return sum(region.recruiting for region in self.regions)

    @property
    def region_pages(self) -> bool:
        """Too many sites for one page: its regions are listed, each with a page of its own."""
        return self.site_count > LIST_ALL_UP_TO and len(self.regions) > 1

    def region(self, key: str) -> RegionGroup | None:
        return next((region for region in self.regions if region.key == key), None)


def country_group(groups: list[CountryGroup], key: str) -> CountryGroup | None:
    return next((country for country in groups if country.key == key), None)


def _sort_key(text: str) -> str:
    return text.casefold()


def _list_kind(status: str | None, trial_open: bool) -> str:
    if status is None:
        return STATUS_NOT_GIVEN
    if status == RECRUITING:
        return RECRUITING_NOW if trial_open else WAS_RECRUITING
    if status == NOT_YET_RECRUITING and not trial_open:
        return WAS_NOT_YET_RECRUITING
    return NOT_RECRUITING


def list_labels(last_updated: date | None) -> dict[str, str]:
    """The label above each list; the dated ones say when the record last said so."""
    updated = partial_date(last_updated)
    if updated:
        was_recruiting = gettext("Listed as recruiting when the record was last updated on %(date)s", date=updated)
        was_not_yet = gettext("Listed as not yet recruiting when the record was last updated on %(date)s", date=updated)
    else:
        was_recruiting = gettext("Listed as recruiting in an earlier update of the record")
        was_not_yet = gettext("Listed as not yet recruiting in an earlier update of the record")
    return {
        RECRUITING_NOW: gettext("Recruiting"),
        WAS_RECRUITING: was_recruiting,
        WAS_NOT_YET_RECRUITING: was_not_yet,
        NOT_RECRUITING: gettext("Not recruiting"),
        STATUS_NOT_GIVEN: gettext("Status not given"),
    }


def group_sites(
    sites: Iterable[SiteFacts], *, trial_open: bool, last_updated: date | None, lists: bool = True
) -> list[CountryGroup]:
    """The sites by country and region; within a region, one list per status kind, in LIST_ORDER.

    `trial_open`: the trial's overall status is one of OPEN_STATUSES. When it is not, no site is recruiting now,
    whatever the record last said of it. `lists=False`: the places and their counts only (a big trial's page), with
    no region's sites sorted into lists.
    """
    labels = list_labels(last_updated)
    by_country: dict[str, dict[str, RegionGroup]] = {}
    no_place = gettext("Place not given")
    for site in sites:
        region_key = site.state or site.city or ""
        regions = by_country.setdefault(site.country or "", {})
        if region_key not in regions:
            regions[region_key] = RegionGroup(region_key or no_place, region_key)
        regions[region_key].sites.append(site)
    groups = []
    no_country = gettext("Country not given")
    for country in sorted(by_country, key=lambda key: _sort_key(key or no_country)):
        regions = sorted(by_country[country].values(), key=lambda r: _sort_key(r.name))
        for region in regions:
            if trial_open:
                region.recruiting = sum(1 for site in region.sites if site.status == RECRUITING)
            if not lists:
                continue
            region.sites.sort(key=lambda s: (_sort_key(s.city or ""), _sort_key(s.facility or "")))
            by_kind: dict[str, list[SiteFacts]] = {}
            for site in region.sites:
                by_kind.setdefault(_list_kind(site.status, trial_open), []).append(site)
            region.site_lists = [SiteList(kind, labels[kind], by_kind[kind]) for kind in LIST_ORDER if kind in by_kind]
        groups.append(CountryGroup(country or no_country, country, regions))
    return groups


@dataclass
class IndexEntry:
    """A country or region in a big trial's list of places: its name, its page and its counts in words."""

    name: str
    href: str
    counts: str
    regions: list[IndexEntry] = field(default_factory=list)


def location_index(groups: list[CountryGroup], base_url: str, *, trial_open: bool) -> list[IndexEntry]:
    """The countries, and the regions of each country too big for one page, each linking to its page of sites
    (`base_url`: the trial's locations page). The words of each count ("97 sites, 55 recruiting", with the number
    in the reader's form) are worked out once per number: a country can have 50 regions, and each lookup of a
    translation or a number format costs more than the rest of a line."""
    translations, locale = get_translations(), get_locale()
    phrases: dict[tuple[str, int], str] = {}

    def counted(singular: str, plural: str, number: int) -> str:
        # The templates' own messages (ngettext with a formatted num), so each reads as it does there.
        if (singular, number) not in phrases:
            formatted = format_decimal(number, locale=locale)
            phrases[singular, number] = translations.ungettext(singular, plural, number) % {"num": formatted}
        return phrases[singular, number]

    def counts(sites: int, recruiting: int) -> str:
        text = counted("%(num)s site", "%(num)s sites", sites)
        if trial_open:
            text += ", " + counted("%(num)s recruiting", "%(num)s recruiting", recruiting)
        return text

    entries = []
    for country in groups:
        href = f"{base_url}?{urlencode({'country': country.key})}"
        entry = IndexEntry(local_country_name(country.name), href, counts(country.site_count, country.recruiting))
        if country.region_pages:
            entry.regions = [
                IndexEntry(
                    region.name,
                    f"{base_url}?{urlencode({'country': country.key, 'region': region.key})}",
                    counts(len(region.sites), region.recruiting),
                )
                for region in country.regions
            ]
        entries.append(entry)
    return entries
