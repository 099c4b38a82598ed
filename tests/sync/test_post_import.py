"""After a sync, the import's post-import step: a trial that stopped recruiting leaves the open searches at once,
its contact form closes, and the requests already sent to it stay in the site area."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.glossary.services import refresh_glossary_matches
from portal.models import Trial, TrialGlossaryMatch
from tests.contact.helpers import SITE_OPTION_RE
from tests.fakes.ctgov_api import CtgovStandIn
from tests.staff import ALICE, make_request, make_user, sign_in, site_ids
from tests.sync.helpers import sync

TRIAL = "NCT04012996"  # recruiting, 33 US sites


def listed(client: FlaskClient) -> bool:
    html = client.get("/trials", query_string={"q": TRIAL}).get_data(as_text=True)
    return f"/trials/{TRIAL}" in html


def has_contact_form(client: FlaskClient) -> bool:
    return SITE_OPTION_RE.search(client.get(f"/trials/{TRIAL}").get_data(as_text=True)) is not None


def test_a_trial_that_stopped_recruiting_leaves_the_search_and_closes_its_form_but_keeps_its_requests(
    app: Flask, client: FlaskClient, standin: CtgovStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portal.post_import.refresh_glossary_matches", refresh_glossary_matches)  # the real step
    with app.app_context():
        assert sync().ok
        db.session.remove()
    [site] = site_ids(app, TRIAL, count=1)
    make_user(app, ALICE, site_ids=(site,))
    request = make_request(app, site)
    assert listed(client) and has_contact_form(client)  # the page is now cached

    def stop_recruiting(study: dict) -> None:  # type: ignore[type-arg]
        study["protocolSection"]["statusModule"]["overallStatus"] = "ACTIVE_NOT_RECRUITING"
        for location in study["protocolSection"]["contactsLocationsModule"]["locations"]:
            location["status"] = "ACTIVE_NOT_RECRUITING"

    standin.change(TRIAL, "2026-12-05", stop_recruiting)
    with app.app_context():
        outcome = sync()
        assert outcome.ok and outcome.summary.updated == 1
        assert db.session.scalar(select(Trial.overall_status).where(Trial.nct_id == TRIAL)) == "ACTIVE_NOT_RECRUITING"
        # The glossary step of the post-import ran for every synced trial.
        trials = db.session.scalar(select(func.count()).select_from(Trial))
        assert db.session.scalar(select(func.count()).select_from(TrialGlossaryMatch)) == trials
        db.session.remove()

    assert not listed(client)
    assert not has_contact_form(client)
    sign_in(client, ALICE)
    assert f"/site/requests/{request}" in client.get("/site/").get_data(as_text=True)
    assert client.get(f"/site/requests/{request}").status_code == 200
