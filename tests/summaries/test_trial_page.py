"""The trial page shows the plain summary above the registry's, labelled; a re-import that changes the registry's
summary takes it off the page and lists it for review on the operators' pages until someone saves it again."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import PlainSummary
from tests.conftest import DEMO_TRIALS, import_files
from tests.forms import csrf_token
from tests.staff import TRIAL, sign_in
from tests.summaries.helpers import ALICE, OPS, PLAIN, People, people, post_summary

PAGE = f"/trials/{TRIAL}"
REGISTRY_START = "A multi-center, prospective, randomized, controlled comparison"


@pytest.fixture
def staff(app: Flask, import_demo) -> People:  # type: ignore[no-untyped-def]
    return people(app, import_demo)


def _facility(app: Flask, site_id: int) -> str:
    from portal.models import Site

    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site is not None and site.facility
        return site.facility


def _reimport(app: Flask, tmp_path: Path, brief_summary: str) -> None:
    """The trial's real record with another brief summary and a later update date, imported like any other."""
    study = json.loads((DEMO_TRIALS / f"{TRIAL}.json").read_text())
    protocol = study["protocolSection"]
    protocol["descriptionModule"]["briefSummary"] = brief_summary
    protocol["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2023-01-15"
    path = tmp_path / f"{TRIAL}.json"
    path.write_text(json.dumps(study))
    summary = import_files(app, path)
    assert summary.updated == 1, summary.errors


def test_the_page_shows_the_summary_above_the_registrys_with_who_wrote_it_and_when(
    client: FlaskClient, app: Flask, staff: People
) -> None:
    before = client.get(PAGE).get_data(as_text=True)  # cached before anyone writes one
    assert "In plain words" not in before
    sign_in(client, ALICE)
    post_summary(client, PLAIN)
    html = client.get(PAGE).get_data(as_text=True)  # the same page version would have served the old copy
    plain = html.index("We want to find out if a new neck disc works")
    overview = html.index('<section id="overview"')
    assert plain < overview
    # The registry's text stays on the page (as text: the glossary may mark words inside it).
    registry = re.sub(r"<[^>]+>", "", html[overview : html.index("</section>", overview)])
    assert REGISTRY_START in registry
    assert html.index('id="plain-summary-heading">In plain words</h2>') < plain
    label = html[plain : html.index("</section>", plain)]
    assert f"Written by the study team at {_facility(app, staff.site_a)}, last changed on " in label
    assert ALICE not in html and "Alice" not in html  # a team, never a staff member
    assert '<a href="#overview">Read the registry\'s own summary</a>' in label
    assert '<a href="#plain-summary">In plain words</a>' in html  # in the page's contents


def test_an_operators_summary_is_labelled_with_the_portal_team(client: FlaskClient, app: Flask, staff: People) -> None:
    sign_in(client, OPS)
    post_summary(client, PLAIN)
    html = client.get(PAGE).get_data(as_text=True)
    assert f"Written by the {app.config['PORTAL_NAME']} team, last changed on " in html


def test_markdown_is_sanitised_on_the_page(client: FlaskClient, staff: People) -> None:
    sign_in(client, OPS)
    post_summary(client, 'Hello <script>alert(1)</script> [link](javascript:alert(2)) <img src=x onerror="x()">')
    html = client.get(PAGE).get_data(as_text=True)
    section = html[html.index('id="plain-summary"') :]
    section = section[: section.index("</section>")]
    assert "Hello" in section
    assert "<script" not in section and 'href="javascript' not in section and "<img" not in section, section


def test_a_reimport_with_another_registry_summary_flags_it_and_a_save_clears_the_flag(
    client: FlaskClient, app: Flask, staff: People, tmp_path: Path
) -> None:
    sign_in(client, ALICE)
    post_summary(client, PLAIN)
    assert "In plain words" in client.get(PAGE).get_data(as_text=True)

    _reimport(app, tmp_path, "A study of one new neck disc, compared with surgery to fuse the bones.")

    html = client.get(PAGE).get_data(as_text=True)
    assert "We want to find out" not in html and "In plain words" not in html  # hidden until reviewed
    assert "A study of one new neck disc" in html
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/site/")})
    sign_in(client, OPS)
    trials = client.get("/admin/trials").get_data(as_text=True)
    assert "1 plain-language summary needs review" in trials
    review = client.get("/admin/plain-summaries").get_data(as_text=True)
    assert "Needs review" in review
    assert REGISTRY_START in review and "A study of one new neck disc" in review  # the old and the new text
    editor = client.get(f"/site/trials/{TRIAL}/plain-summary").get_data(as_text=True)
    assert "Needs review: the registry" in editor

    post_summary(client, PLAIN + "\nYou may instead have the bones fused.")
    assert "needs review" not in client.get("/admin/trials").get_data(as_text=True)
    html = client.get(PAGE).get_data(as_text=True)
    assert "You may instead have the bones fused." in html
    assert f"Written by the {app.config['PORTAL_NAME']} team" in html  # the operator wrote it last
    with app.app_context():
        summary = db.session.scalars(select(PlainSummary)).one()
        assert not summary.needs_review and summary.registry_summary_text.startswith("A study of one new neck")


def test_a_reimport_that_only_rewraps_the_registry_summary_does_not_flag_it(
    client: FlaskClient, app: Flask, staff: People, tmp_path: Path
) -> None:
    sign_in(client, ALICE)
    post_summary(client, PLAIN)
    original = json.loads((DEMO_TRIALS / f"{TRIAL}.json").read_text())
    text = original["protocolSection"]["descriptionModule"]["briefSummary"]
    _reimport(app, tmp_path, text.replace(", ", ",\n  ") + "\n")
    assert "We want to find out" in client.get(PAGE).get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalars(select(PlainSummary)).one().needs_review
