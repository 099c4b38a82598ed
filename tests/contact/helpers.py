"""Filling in the contact form as a browser would: read the page, keep the token, post."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from portal.extensions import db
from portal.models import ContactRequest
from tests.forms import find_csrf_token

TRIAL = "NCT04012996"  # 33 US sites, recruiting, with site contact emails
VALID = {
    "action": "send",
    "first_name": "José",
    "last_name": "Müller-李",
    "email": "jose.muller@example.org",
    "phone": "(312) 555-0142",
    "language": "es",
    "message": "Evenings are best.\nThank you!",
    "consent": "y",
}


# A site a patient can choose: a recruiting one (sites that are not recruiting are listed without a value).
SITE_OPTION_RE = re.compile(r'<option value="(\d+)"(?: selected)?>([^<]+)</option>')


def page_form(client: FlaskClient, nct_id: str = TRIAL) -> tuple[str, str, str]:
    """(html, csrf token, the first recruiting site's id) of a trial page, as a patient picking from the list would."""
    html = client.get(f"/trials/{nct_id}").get_data(as_text=True)
    token = find_csrf_token(html)
    site = SITE_OPTION_RE.search(html)
    assert token and site, "the trial page has no contact form"
    return html, token, site.group(1)


def chosen_site(html: str) -> str | None:
    """The label of the option the site select starts on; None for "Choose a study site" (or no form)."""
    selected = re.search(r'<select id="site".*?</select>', html, re.S)
    option = selected and re.search(r'<option value="(\d*)" selected>([^<]+)</option>', selected.group(0))
    return option.group(2) if option and option.group(1) else None


def post_contact(client: FlaskClient, nct_id: str = TRIAL, **fields: str | None) -> TestResponse:
    _html, token, site = page_form(client, nct_id)
    data = {**VALID, "csrf_token": token, "site": site, **fields}
    return client.post(f"/trials/{nct_id}/contact", data={k: v for k, v in data.items() if v is not None})


def field_errors(html: str) -> dict[str, str]:
    """Error messages shown beside each field, by field id."""
    return dict(re.findall(r'<p class="field-error" id="([\w]+)-error">([^<]+)</p>', html))


def stored_request(app: Flask) -> ContactRequest:
    """The one contact request a test made, detached from the session."""
    with app.app_context():
        request = db.session.scalar(select(ContactRequest))
        assert request is not None
        db.session.expunge(request)
        return request
