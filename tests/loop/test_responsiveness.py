"""How quickly sites answer: the figures, what patients read beside a site, and the operators' dashboard."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from portal.extensions import db
from portal.geo.working_days import add_working_days
from portal.models import ContactRequest, Site
from portal.models.base import utcnow
from portal.trials.responsiveness import NEVER, Responsiveness, patient_wording, trial_responsiveness
from tests.loop.helpers import PATIENT, TRIAL, site_named, submit
from tests.staff import make_user, sign_in

COUNTRY = "United States"


def answered(app: Flask, site_id: int, created: datetime, working_days: int | None, name: str) -> None:
    """A request made at `created`, answered just inside `working_days` working days (None: never answered)."""
    details = replace(PATIENT, first_name=name)
    public_id = submit(app, site_id, when=created, details=details)
    if working_days is not None:
        reply = add_working_days(created, working_days, COUNTRY) - timedelta(minutes=1)
        with app.app_context():
            db.session.execute(
                update(ContactRequest).where(ContactRequest.public_id == public_id).values(first_response_at=reply)
            )
            db.session.commit()


@pytest.fixture
def flagstaff(app: Flask, import_demo) -> int:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    return site_named(app, "Flagstaff Bone and Joint")


def test_the_figures(app_ctx: Flask) -> None:
    figure = Responsiveness(requests=6, waits=[1, 1, 2, 3, NEVER])
    assert figure.shown and figure.median_days == 2 and figure.within_due == 3 and figure.answered == 4
    assert figure.share_within_due == pytest.approx(0.6)
    assert patient_wording(figure) == "Usually replies within 2 working days"
    mostly_silent = Responsiveness(requests=5, waits=[1, NEVER, NEVER, NEVER, NEVER])
    assert mostly_silent.median_days is None
    assert patient_wording(mostly_silent) == "Replied within 2 working days to 20% of recent requests"
    assert patient_wording(Responsiveness(requests=4, waits=[1, 1, 1, 1])) is None


def test_only_the_last_180_days_and_five_requests_count(app: Flask, flagstaff: int) -> None:
    now = utcnow()
    for index in range(4):
        answered(app, flagstaff, now - timedelta(days=20 + index), 1, f"Recent{index}")
    answered(app, flagstaff, now - timedelta(days=200), 1, "Old")
    with app.app_context():
        assert trial_responsiveness(db.session, _trial_id(app), now) == {}
    answered(app, flagstaff, now - timedelta(days=30), 3, "Fifth")
    with app.app_context():
        figure = trial_responsiveness(db.session, _trial_id(app), now)[flagstaff]
    assert figure.requests == 5 and sorted(figure.waits) == [1, 1, 1, 1, 3]


def _trial_id(app: Flask) -> int:
    with app.app_context():
        site = db.session.get(Site, site_named(app, "Flagstaff Bone and Joint"))
        assert site is not None
        return site.trial_id


def test_patients_read_it_beside_the_site(app: Flask, client: FlaskClient, flagstaff: int) -> None:
    now = utcnow()
    for index in range(4):
        answered(app, flagstaff, now - timedelta(days=20 + index), 2, f"P{index}")
    html = client.get(f"/trials/{TRIAL}").get_data(as_text=True)
    assert "Usually replies" not in html  # four requests: nothing is said
    answered(app, flagstaff, now - timedelta(days=40), 1, "P4")
    app.extensions["trial_page_cache"].clear()  # the cached page holds the figures for the rest of the day
    html = client.get(f"/trials/{TRIAL}").get_data(as_text=True)
    assert re.search(
        rf'<option value="{flagstaff}">Flagstaff Bone and Joint, Flagstaff – '
        r"Usually replies within 2 working days</option>",
        html,
    )
    assert re.search(
        r"<b>Flagstaff Bone and Joint</b>.*?<span class=\"site-replies\">Usually replies within 2 working days</span>",
        html,
    )
    assert html.count("Usually replies") == 2  # no other site has enough requests


def test_the_dashboard(app: Flask, client: FlaskClient, flagstaff: int) -> None:
    now = utcnow()
    for index in range(5):
        answered(app, flagstaff, now - timedelta(days=20 + index), 1 if index < 4 else 4, f"P{index}")
    other = _another_site(app, flagstaff)
    answered(app, other, now - timedelta(days=30), None, "Unanswered")
    make_user(app, "ops@example.org", role="admin")
    sign_in(client, "ops@example.org")
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The charts need no script: the page loads only the scripts every page loads (the site's own, no inline one).
    every_page = re.findall(r"<script[^>]*>", client.get("/about").get_data(as_text=True))
    assert re.findall(r"<script[^>]*>", html) == every_page and all(" src=" in tag for tag in every_page)
    # A chart drawn on the server, named for screen readers, with a table of the same numbers.
    assert re.search(r'<svg class="chart" id="chart-statuses" role="img" aria-labelledby="chart-statuses-title"', html)
    assert "<caption>Contact requests by status, all time</caption>" in html
    assert re.search(r"<th scope=\"row\">New</th><td>6</td>", html)
    assert 'id="chart-trials"' in html and "80%" in html  # 4 of 5 within 2 working days
    assert re.search(
        r"Flagstaff Bone and Joint, Flagstaff, United States</th><td>NCT04012996</td><td>5</td><td>1 working day</td>"
        r"<td>80%</td>",
        html,
    )
    silent_section = html.split('id="silent-heading"', 1)[1].split("</section>", 1)[0]
    assert "Flagstaff Bone and Joint" not in silent_section and "<td>1</td>" in silent_section
    # The links it had before stay.
    for path in ("/admin/trials", "/admin/users", "/admin/outbox", "/admin/audit"):
        assert f'href="{path}' in html
    assert "Mail waiting:" in html and "Outbox health" in html


def _another_site(app: Flask, not_this: int) -> int:
    with app.app_context():
        site_id = db.session.scalar(
            select(Site.id).where(Site.trial_id == _trial_id(app), Site.id != not_this).order_by(Site.id)
        )
        assert site_id is not None
        return site_id
