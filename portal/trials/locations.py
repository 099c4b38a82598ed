"""Group a trial's sites by country, then by state (or city where there is no state)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext

from portal.models import Site
from portal.vocabulary import RECRUITING

# Up to this many sites, every group is shown open; beyond it groups start collapsed.
OPEN_GROUPS_UP_TO = 12


@dataclass
class RegionGroup:
    name: str
    sites: list[Site] = field(default_factory=list)

    @property
    def recruiting(self) -> int:
        return sum(1 for site in self.sites if site.status == RECRUITING)


@dataclass
class CountryGroup:
    name: str
    regions: list[RegionGroup] = field(default_factory=list)

    @property
    def site_count(self) -> int:
        return sum(len(region.sites) for region in self.regions)

    @property
    def recruiting(self) -> int:
        return sum(region.recruiting for region in self.regions)


def _sort_key(text: str) -> str:
    return text.casefold()


def group_sites(sites: Iterable[Site]) -> list[CountryGroup]:
    by_country: dict[str, dict[str, RegionGroup]] = {}
    for site in sites:
        country = site.country or gettext("Country not given")
        region = site.state or site.city or gettext("Place not given")
        regions = by_country.setdefault(country, {})
        regions.setdefault(region, RegionGroup(region)).sites.append(site)
    groups = []
    for country in sorted(by_country, key=_sort_key):
        regions = sorted(by_country[country].values(), key=lambda r: _sort_key(r.name))
        for region in regions:
            region.sites.sort(key=lambda s: (_sort_key(s.city or ""), _sort_key(s.facility or "")))
        groups.append(CountryGroup(country, regions))
    return groups
