"""A big trial's select offers the first few sites; any other is chosen from its region's page ("Contact this
site"), which opens the contact form with that site chosen, and the request goes to it."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import ContactRequest, Site, Trial
from tests.contact.helpers import VALID, chosen_site
from tests.forms import find_csrf_token

BIG = "NCT04267848"  # 1,148 sites, 659 recruiting


@pytest.fixture(autouse=True)
def trials(import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(BIG, "NCT04012996")


def site_options(html: str) -> list[str]:
    select_html = re.search(r'<select id="site".*?</select>', html, re.S)
    assert select_html is not None
    return re.findall(r'<option value="(\d+)"', select_html.group(0))


def a_contact_link(client: FlaskClient, region: str) -> str:
    html = client.get(f"/trials/{BIG}/locations?country=United+States&region={region}").get_data(as_text=True)
    links = re.findall(r'<a class="site-contact" href="([^"]+)" rel="nofollow">Contact this site</a>', html)
    assert links
    return links[-1].replace("&amp;", "&")


def test_a_site_chosen_on_its_region_page_is_chosen_in_the_form_and_receives_the_request(
    app: Flask, client: FlaskClient
) -> None:
    link = a_contact_link(client, "West+Virginia")  # far down the alphabet: not among the 20 offered at first
    site_id = int(re.search(r"site=(\d+)", link).group(1))  # type: ignore[union-attr]
    first = client.get(f"/trials/{BIG}").get_data(as_text=True)
    assert str(site_id) not in site_options(first)

    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"] == "noindex"
    html = response.get_data(as_text=True)
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site is not None and site.status == "RECRUITING" and site.state == "West Virginia"
        name = site.facility
    assert chosen_site(html) is not None and chosen_site(html).startswith(f"{name},")  # type: ignore[union-attr]
    assert len(site_options(html)) == 21  # the first 20, and this one

    token = find_csrf_token(html)
    sent = client.post(f"/trials/{BIG}/contact", data={**VALID, "csrf_token": token, "site": str(site_id)})
    assert sent.status_code == 302
    with app.app_context():
        request = db.session.scalar(select(ContactRequest))
        assert request is not None and request.site_id == site_id


def test_a_form_sent_back_keeps_a_site_chosen_from_a_region_page(client: FlaskClient) -> None:
    link = a_contact_link(client, "West+Virginia")
    site_id = re.search(r"site=(\d+)", link).group(1)  # type: ignore[union-attr]
    token = find_csrf_token(client.get(link).get_data(as_text=True))
    html = client.post(
        f"/trials/{BIG}/contact", data={**VALID, "csrf_token": token, "site": site_id, "email": "not an address"}
    ).get_data(as_text=True)
    assert re.search(rf'<option value="{site_id}" selected>', html)


def test_a_site_that_cannot_be_chosen_leads_back_to_the_trial(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        closed = db.session.scalar(
            select(Site.id).join(Site.trial).where(Trial.nct_id == BIG, Site.status != "RECRUITING").limit(1)
        )
        other_trials_site = db.session.scalar(
            select(Site.id).join(Site.trial).where(Trial.nct_id == "NCT04012996", Site.status == "RECRUITING").limit(1)
        )
    for site in (closed, other_trials_site, "x", ""):
        response = client.get(f"/trials/{BIG}/contact?site={site}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/trials/{BIG}#contact")
    assert client.get("/trials/NCT99999999/contact?site=1").status_code == 404


def test_the_page_with_a_site_chosen_is_rate_limited_per_ip(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rendered for each visitor, never cached: a bot looping on it gets the friendly "wait" page, others do not.
    monkeypatch.setitem(app.config, "CONTACT_CHOOSE_RATE_LIMIT_IP", "2 per minute")
    link = a_contact_link(client, "West+Virginia")
    codes = [client.get(link, environ_overrides={"REMOTE_ADDR": "203.0.113.8"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = client.get(link, environ_overrides={"REMOTE_ADDR": "203.0.113.8"}).get_data(as_text=True)
    assert "Please wait before you try again" in limited
    assert client.get(link, environ_overrides={"REMOTE_ADDR": "198.51.100.10"}).status_code == 200
