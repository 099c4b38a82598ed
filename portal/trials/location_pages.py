"""The pages of a trial's sites by place: its countries, one country (its regions, or its sites), one region's sites.

A big trial's page (more than LIST_ALL_UP_TO sites) lists its countries and regions and links here, so every site
stays one or two clicks away without a list of a thousand sites on the trial page. Rendered once per version of
the trial and cached like the trial page (same version query, same cache).
"""

from __future__ import annotations

from datetime import date

from flask import current_app, render_template, url_for
from sqlalchemy.orm import Session

from portal.cache import FragmentCache
from portal.i18n import current_locale
from portal.models import Trial
from portal.trials import freshness
from portal.trials.locations import country_group, group_sites, location_index
from portal.trials.page import closed_trial_notice, page_version, site_replies
from portal.trials.services import get_trial
from portal.trials.sites import site_rows
from portal.vocabulary import OPEN_STATUSES, status_css, status_label


class NoSuchPlace(LookupError):
    """No site of the trial is in that country or region."""


def render_locations_page(session: Session, trial: Trial, country_key: str | None, region_key: str | None) -> str:
    """The trial's countries (no country), a country's regions or sites, or a region's sites. Raises NoSuchPlace
    when the trial has no site there."""
    sites = site_rows(session, trial.id)
    trial_open = trial.overall_status in OPEN_STATUSES
    groups = group_sites(sites, trial_open=trial_open, last_updated=trial.last_update_posted_on)
    country = region = None
    if country_key is not None:
        country = country_group(groups, country_key)
        if country is None:
            raise NoSuchPlace(country_key)
        if region_key is not None:
            region = country.region(region_key)
            if region is None:
                raise NoSuchPlace(region_key)
    elif region_key is not None:
        raise NoSuchPlace(region_key)
    regions = [region] if region else country.regions if country else []
    index = []
    if country is None or (region is None and country.region_pages):
        index = location_index(
            [country] if country else groups, url_for("trials.locations", nct_id=trial.nct_id), trial_open=trial_open
        )
    shown = [site for group in regions for site in group.sites]
    return render_template(
        "trials/locations.html",
        trial=trial,
        trial_open=trial_open,
        closed_notice=closed_trial_notice(trial),
        location_groups=groups,
        country=country,
        region=region,
        regions=regions,
        # The countries (no country chosen), or the chosen country's regions, each with its page.
        location_index=index if country is None else index[0].regions if index else [],
        site_count=len(shown) if country else len(sites),
        recruiting_count=sum(group.recruiting for group in regions) if country else sum(c.recruiting for c in groups),
        site_badges={code: (status_css(code), status_label(code)) for code in {s.status for s in shown if s.status}},
        site_replies=site_replies(session, trial) if shown else {},
        # A region's recruiting sites link to the contact form with the site chosen.
        contact_links=trial_open,
    )


def cached_locations_page(
    session: Session, nct_id: str, country_key: str | None, region_key: str | None
) -> bytes | None:
    """The page from the trial page cache; None when there is no such trial or place."""
    today: date = freshness.today()
    version = page_version(session, nct_id, today)
    if version is None:
        return None
    key = ("locations", nct_id, version, current_locale(), country_key, region_key, today.isoformat())
    cache: FragmentCache = current_app.extensions["trial_page_cache"]

    def render() -> bytes:
        trial = get_trial(session, nct_id)
        if trial is None:
            raise NoSuchPlace(nct_id)
        return render_locations_page(session, trial, country_key, region_key).encode("utf-8")

    try:
        return cache.get_or_render(key, render)
    except NoSuchPlace:
        return None
