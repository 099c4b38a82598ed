"""Filters and helpers the templates use."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from flask import Flask
from flask_babel import format_decimal, get_locale

from portal.geo.zones import zone_for
from portal.models import Site
from portal.text import decode_entities, render_inline, render_markdown
from portal.trials.presenters import (
    age_range,
    date_and_time,
    local_country_name,
    partial_date,
    short_list,
    zone_label,
)
from portal.vocabulary import phase_label, sex_label, status_css, status_label, study_type_label


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(render_inline, "inline_markdown")
    app.add_template_filter(decode_entities, "registry_text")
    app.add_template_filter(status_label, "status_label")
    app.add_template_global(status_label)  # emails call it, so the bulk renderer can give its own language's
    app.add_template_filter(status_css, "status_css")
    app.add_template_global(get_locale)
    app.add_template_global(format_decimal, "format_number")
    app.add_template_global(age_range)
    app.add_template_global(phase_label)
    app.add_template_global(sex_label)
    app.add_template_global(study_type_label)
    app.add_template_global(partial_date)
    app.add_template_global(date_and_time)
    app.add_template_global(short_list)
    app.add_template_filter(local_country_name, "country_name")
    app.add_template_global(site_zone)
    app.add_template_global(zone_label)
    app.add_template_global(noted_moment)


def site_zone(site: Site | None) -> tzinfo | None:
    """A study site's own time zone for staff pages (None: show UTC)."""
    if site is None:
        return None
    return zone_for(site.latitude, site.longitude, site.country)


def noted_moment(note: str | None, zone: tzinfo | None) -> str:
    """A moment a history entry noted as "2026-11-03 19:30 UTC", shown in the site's zone like every other time."""
    try:
        moment = datetime.strptime(note or "", "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    except ValueError:
        return note or ""
    return date_and_time(moment, zone=zone)
