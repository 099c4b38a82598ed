"""Alerts test helpers: sign up as a browser would, build studies with chosen terms and sites, read mail."""

from __future__ import annotations

import copy
import json
import re
import secrets
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.alerts import services
from portal.alerts.forms import parse_conditions
from portal.ctgov.importer import ImportSummary, import_records
from portal.ctgov.sources import SourceRecord
from portal.extensions import db
from portal.geo import KM_PER_MILE, resolve_place
from portal.models import Subscriber
from portal.models.alert import ACTIVE, IMMEDIATE
from portal.models.base import utcnow
from tests.conftest import DEMO_TRIALS
from tests.forms import csrf_token

BASE_RECORD = DEMO_TRIALS / "NCT04012996.json"
VALID = {
    "email": "pat@example.org",
    "conditions": "Lupus\nknee osteoarthritis",
    "place": "Chicago",
    "radius": "50",
    "unit": "mi",
    "language": "en",
    "frequency": "immediate",
}
# Places with coordinates, for sites (lat, lon).
CHICAGO = (41.8781, -87.6298)
MILWAUKEE = (43.0389, -87.9065)  # about 82 miles (132 km) north of Chicago
DENVER = (39.7392, -104.9903)


def sign_up(client: FlaskClient, **fields: str | None) -> TestResponse:
    data = {**VALID, "csrf_token": csrf_token(client, "/alerts/"), **fields}
    return client.post("/alerts/", data={k: v for k, v in data.items() if v is not None})


def field_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="([\w]+)-error">([^<]+)</p>', html))


def study(
    nct_id: str,
    *,
    conditions: list[str],
    keywords: list[str] | None = None,
    meshes: list[str] | None = None,
    status: str = "RECRUITING",
    sites: list[tuple[str, tuple[float, float] | None, str]] | None = None,
    updated: str = "2026-11-01",
) -> dict[str, Any]:
    """A real record (NCT04012996) given another id, terms, status and sites: the importer sees a normal study."""
    record = copy.deepcopy(json.loads(Path(BASE_RECORD).read_text()))
    protocol = record["protocolSection"]
    protocol["identificationModule"]["nctId"] = nct_id
    protocol["identificationModule"]["briefTitle"] = f"Study {nct_id} of {', '.join(conditions)}"
    protocol["statusModule"]["overallStatus"] = status
    protocol["statusModule"]["lastUpdatePostDateStruct"] = {"date": updated, "type": "ACTUAL"}
    protocol["conditionsModule"] = {"conditions": conditions, "keywords": keywords or []}
    record["derivedSection"]["conditionBrowseModule"] = {
        "meshes": [{"id": f"D{i:06d}", "term": term} for i, term in enumerate(meshes or [])],
        "ancestors": [],
    }
    locations = []
    for index, (city, point, site_status) in enumerate(sites or []):
        location: dict[str, Any] = {
            "facility": f"{city} Research Center {index}",
            "status": site_status,
            "city": city,
            "country": "United States",
        }
        if point is not None:
            location["geoPoint"] = {"lat": point[0], "lon": point[1]}
        locations.append(location)
    protocol["contactsLocationsModule"] = {"locations": locations}
    return record


def import_studies(app: Flask, *studies: dict[str, Any]) -> ImportSummary:
    with app.app_context():
        records = [
            SourceRecord(Path(f"{s['protocolSection']['identificationModule']['nctId']}.json"), None, s)
            for s in studies
        ]
        summary = import_records(db.session, [records])
        db.session.remove()
    assert summary.failed == 0, summary.errors
    return summary


def subscribe(
    app: Flask,
    email: str,
    conditions: str,
    *,
    place: str | None = None,
    radius_miles: float | None = None,
    frequency: str = IMMEDIATE,
    confirmed_at: datetime | None = None,
) -> int:
    """A confirmed subscriber, written through the services (sign-up by form is tested on its own)."""
    with app.app_context():
        resolved = resolve_place(place) if place else None
        preferences = services.Preferences(
            conditions=[(c.label, c.phrase) for c in parse_conditions(conditions)],
            place=resolved,
            place_query=place,
            radius_km=radius_miles * KM_PER_MILE if radius_miles is not None else None,
            unit="mi",
            language="en",
            frequency=frequency,
        )
        subscriber = Subscriber(
            email=email,
            status=ACTIVE,
            token_nonce=secrets.token_hex(16),
            confirmed_at=confirmed_at or utcnow() - timedelta(hours=1),
        )
        services.apply_preferences(subscriber, preferences)
        db.session.add(subscriber)
        db.session.commit()
        subscriber_id = subscriber.id
        db.session.remove()
    return subscriber_id


def links(message: Message) -> list[str]:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return re.findall(r"https://trials\.example\.org\S+", body.get_content())
