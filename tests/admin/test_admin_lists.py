"""Operator lists that work at scale: a large trial's sites a page at a time and searchable, the trials list in
pages, and FAQs edited in place."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.admin import services
from portal.admin.services import SITES_PER_PAGE
from portal.extensions import db
from portal.models import Faq, Site
from tests.forms import csrf_token
from tests.staff import make_user, sign_in

BIG = "NCT04267848"  # 1,148 sites
ADMIN = "ops@example.org"
SECTION = 'class="admin-site"'


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, ADMIN, role="admin")
    sign_in(client, ADMIN)
    return client


def site_names(html: str) -> list[str]:
    return re.findall(r'<h2 id="site-\d+-name">([^<]+)</h2>', html)


def test_a_large_trials_sites_come_a_page_at_a_time(app: Flask, admin: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(BIG)
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Site))
        first_site = db.session.scalar(select(Site.facility).order_by(Site.position).limit(1))
    assert total == 1148
    pages = -(-total // SITES_PER_PAGE)
    first = admin.get(f"/admin/trials/{BIG}/sites")
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and html.count(SECTION) == SITES_PER_PAGE
    assert site_names(html)[0].startswith(str(first_site))
    assert f"Page 1 of {pages}" in html and "1148 sites." in html
    assert f'href="/admin/trials/{BIG}/sites?page=2"' in html and 'rel="prev"' not in html
    assert len(first.get_data()) < 60_000  # was 1.29 MB with every site on one page
    last = admin.get(f"/admin/trials/{BIG}/sites?page={pages}").get_data(as_text=True)
    assert last.count(SECTION) == total - (pages - 1) * SITES_PER_PAGE and 'rel="next"' not in last
    # A page number past the end shows the last page; a nonsense one the first.
    assert f"Page {pages} of {pages}" in admin.get(f"/admin/trials/{BIG}/sites?page=9999").get_data(as_text=True)
    assert "Page 1 of" in admin.get(f"/admin/trials/{BIG}/sites?page=-3").get_data(as_text=True)


def test_sites_are_found_by_facility_city_or_state(app: Flask, admin: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(BIG)
    with app.app_context():
        in_anchorage = db.session.scalar(select(func.count()).select_from(Site).where(Site.city == "Anchorage"))
        in_alaska = db.session.scalar(select(func.count()).select_from(Site).where(Site.state == "Alaska"))
    by_city = admin.get(f"/admin/trials/{BIG}/sites?q=anchorage").get_data(as_text=True)
    assert in_anchorage and by_city.count(SECTION) == in_anchorage
    assert all("Anchorage" in name for name in site_names(by_city))
    assert f"{in_anchorage} sites match “anchorage”." in by_city
    by_state = admin.get(f"/admin/trials/{BIG}/sites?q=ALASKA").get_data(as_text=True)
    assert by_state.count(SECTION) == min(in_alaska or 0, SITES_PER_PAGE) and in_alaska
    by_facility = admin.get(f"/admin/trials/{BIG}/sites?q=radiation+therapy+center+anchorage").get_data(as_text=True)
    assert site_names(by_facility) == ["Anchorage Radiation Therapy Center, Anchorage, Alaska"]
    nothing = admin.get(f"/admin/trials/{BIG}/sites?q=100%25_").get_data(as_text=True)  # LIKE's wildcards, literally
    assert nothing.count(SECTION) == 0 and "No site matches." in nothing


def test_a_form_on_a_searched_page_brings_the_operator_back_to_it(app: Flask, admin: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(BIG)
    page = f"/admin/trials/{BIG}/sites?q=anchorage"
    html = admin.get(page).get_data(as_text=True)
    site_id = re.search(r'id="site-(\d+)"', html).group(1)  # type: ignore[union-attr]
    assert 'name="q" value="anchorage"' in html
    bad = admin.post(
        f"/admin/sites/{site_id}/recipients",
        data={"emails": "not an address", "q": "anchorage", "csrf_token": csrf_token(admin, page)},
    )
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "One of these is not a valid email address." in body
    assert "sites match “anchorage”" in body  # the same search, not the first page of every site
    good = admin.post(
        f"/admin/sites/{site_id}/recipients",
        data={"emails": "team@example.org", "q": "anchorage", "csrf_token": csrf_token(admin, page)},
    )
    assert good.status_code == 302
    assert good.headers["Location"] == f"/admin/trials/{BIG}/sites?q=anchorage#site-{site_id}"


def test_the_trials_list_comes_a_page_at_a_time(
    app: Flask, admin: FlaskClient, import_demo, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    trials = ("NCT00410098", "NCT00576225", "NCT00712335", "NCT00763412", "NCT00973089")
    import_demo(*trials)
    monkeypatch.setattr(services, "TRIALS_PER_PAGE", 2)  # five trials stand in for thousands
    first = admin.get("/admin/trials").get_data(as_text=True)
    assert re.findall(r'href="/admin/trials/(NCT\d+)/sites"', first) == list(trials[:2])
    assert "Page 1 of 3" in first and 'href="/admin/trials?page=2"' in first and "5 trials." in first
    third = admin.get("/admin/trials?page=3").get_data(as_text=True)
    assert re.findall(r'href="/admin/trials/(NCT\d+)/sites"', third) == [trials[4]] and 'rel="next"' not in third
    found = admin.get("/admin/trials?q=0576").get_data(as_text=True)
    assert re.findall(r'href="/admin/trials/(NCT\d+)/sites"', found) == ["NCT00576225"] and "Page 1 of" not in found
    # Hiding a trial on page 2 comes back to page 2.
    token = csrf_token(admin, "/admin/trials")
    hidden = admin.post("/admin/trials/NCT00712335/hidden?page=2", data={"hidden": "1", "csrf_token": token})
    assert hidden.headers["Location"] == "/admin/trials?page=2"


def test_an_faq_is_edited_in_place(app: Flask, admin: FlaskClient) -> None:
    with app.app_context():
        faq = Faq(trial_id=None, question="Is it free?", answer="Yes.", position=1)
        db.session.add(faq)
        db.session.commit()
        faq_id = faq.id
    listing = admin.get("/admin/faqs").get_data(as_text=True)
    assert f'href="/admin/faqs/{faq_id}/edit"' in listing
    form = admin.get(f"/admin/faqs/{faq_id}/edit").get_data(as_text=True)
    assert 'value="Is it free?"' in form and re.search(r">\s*Yes\.</textarea>", form)
    token = csrf_token(admin, f"/admin/faqs/{faq_id}/edit")
    empty = admin.post(f"/admin/faqs/{faq_id}/edit", data={"question": "Do I pay?", "answer": " ", "csrf_token": token})
    assert empty.status_code == 422 and "Please write the answer." in empty.get_data(as_text=True)
    assert 'value="Do I pay?"' in empty.get_data(as_text=True)  # what was typed is kept
    saved = admin.post(
        f"/admin/faqs/{faq_id}/edit",
        data={"question": "Do I pay anything?", "answer": "No. The study pays for visits.", "csrf_token": token},
    )
    assert saved.status_code == 302
    with app.app_context():
        stored = db.session.get(Faq, faq_id)
        assert stored is not None and stored.question == "Do I pay anything?"
        assert stored.answer == "No. The study pays for visits." and stored.trial_id is None
    assert admin.get("/admin/faqs/99999/edit").status_code == 404
