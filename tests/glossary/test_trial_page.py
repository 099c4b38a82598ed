"""Explained words on real trial pages: matched once and stored, first use per section, HPO definitions with their
source, abbreviations in the criteria, and a switch that takes it all away (for the benchmark)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.glossary.services import refresh_glossary_matches
from portal.models import Trial, TrialGlossaryMatch
from tests.trials.test_pages import read

RANDOMIZED = "NCT04012996"  # "randomized" in the overview, the description and the design
SCHIZOPHRENIA = "NCT06791122"  # condition "Schizophrenia" is an HPO term; criteria use C-SSRS and CGI-SCH
PTSD = "NCT04040387"  # criteria use "PTSD" without spelling it out
GLOSSARY_LINK = re.compile(r'<a class="glossary-term" href="/glossary#([a-z0-9-]+)">([^<]*)</a>')


def section(html: str, section_id: str) -> str:
    return html.split(f'<section id="{section_id}"', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def glossary_off(app: Flask) -> Iterator[None]:
    app.config["GLOSSARY_ENABLED"] = False
    yield
    app.config["GLOSSARY_ENABLED"] = True


def test_each_section_explains_its_first_use_of_a_word_and_links_to_the_glossary(
    client: FlaskClient, import_demo: Callable[..., object]
) -> None:
    import_demo(RANDOMIZED)
    html = client.get(f"/trials/{RANDOMIZED}").get_data(as_text=True)
    for section_id in ("overview", "description", "testing", "eligibility"):
        found = Counter(slug for slug, _ in GLOSSARY_LINK.findall(section(html, section_id)))
        assert found, f"nothing explained in {section_id}"
        assert max(found.values()) == 1, f"{section_id} explains a word twice: {found}"
    overview = section(html, "overview")
    assert '<a class="glossary-term" href="/glossary#randomized">randomized</a>' in overview
    # The second "randomized" of the overview is plain text; the description explains it again, once.
    assert overview.count("randomized") == 2
    assert ("randomized", "randomized") in GLOSSARY_LINK.findall(section(html, "description"))
    # Nothing the reader sees is lost or added: the words read the same with or without the links.
    text = re.sub(r"\s+", " ", "".join(read(overview).text))
    assert "A multi-center, prospective, randomized, controlled" in text


def test_a_condition_hpo_defines_shows_its_definition_and_source(
    client: FlaskClient, import_demo: Callable[..., object]
) -> None:
    import_demo(SCHIZOPHRENIA)
    html = client.get(f"/trials/{SCHIZOPHRENIA}").get_data(as_text=True)
    box = section(html, "conditions-explained")
    assert '<dt lang="en">Schizophrenia</dt>' in box  # the registry's (and HPO's) words, marked as English
    assert "from the Human Phenotype Ontology" in box and "HP:0100753" in box
    assert 'href="/about#hpo"' in box
    about = client.get("/about").get_data(as_text=True)
    assert 'id="hpo"' in about and 'id="explained"' in about


def test_the_criteria_explain_c_ssrs_and_spell_out_abbreviations_once(
    client: FlaskClient, import_demo: Callable[..., object]
) -> None:
    import_demo(SCHIZOPHRENIA, PTSD)
    criteria = section(client.get(f"/trials/{SCHIZOPHRENIA}").get_data(as_text=True), "eligibility")
    # Its first use is spelled out by the record, and that is what is explained; "C-SSRS" later is left plain.
    explained = GLOSSARY_LINK.findall(criteria)
    assert [text for slug, text in explained if slug == "c-ssrs"] == ["Columbia Suicide Severity Rating Scale"]
    assert "the C-SSRS Suicidal Behavior Items" in criteria
    assert ("clinical-global-impression", "Clinical Global Impression") in explained
    ptsd = section(client.get(f"/trials/{PTSD}").get_data(as_text=True), "eligibility")
    assert ptsd.count("(post traumatic stress disorder)") == 1
    assert "PTSD" in ptsd.split("(post traumatic stress disorder)", 1)[1]  # later uses stay short


def test_matches_are_stored_once_and_the_page_uses_them(
    app: Flask, client: FlaskClient, import_demo: Callable[..., object]
) -> None:
    import_demo(RANDOMIZED)
    with app.app_context():
        first = refresh_glossary_matches(db.session)
        again = refresh_glossary_matches(db.session)
        row = db.session.scalars(select(TrialGlossaryMatch)).one()
        assert (first.matched, again.matched, again.unchanged) == (1, 0, 1)
        assert "randomized" in row.matches["terms"]
        # The page reads the stored row: cut it down to one word, and only that word is explained.
        row.matches = {**row.matches, "terms": ["device"]}
        db.session.commit()
    html = client.get(f"/trials/{RANDOMIZED}").get_data(as_text=True)
    assert {slug for slug, _ in GLOSSARY_LINK.findall(html)} == {"device"}


def test_a_new_glossary_version_matches_again_and_renders_again(
    app: Flask, client: FlaskClient, import_demo: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    import_demo(RANDOMIZED)
    with app.app_context():
        refresh_glossary_matches(db.session)
        row = db.session.scalars(select(TrialGlossaryMatch)).one()
        row.matches = {**row.matches, "terms": ["device"]}
        db.session.commit()
    before = client.get(f"/trials/{RANDOMIZED}").get_data(as_text=True)
    assert "/glossary#randomized" not in before  # rendered from the stored row, and now cached
    # A new glossary version: the stored row no longer counts, and the cached page is not served.
    monkeypatch.setattr("portal.glossary.services.glossary_version", lambda: "next-version")
    monkeypatch.setattr("portal.trials.page.glossary_version", lambda: "next-version")
    after = client.get(f"/trials/{RANDOMIZED}").get_data(as_text=True)
    assert "/glossary#randomized" in after
    with app.app_context():
        assert refresh_glossary_matches(db.session).matched == 1
        trial_id = db.session.scalars(select(Trial.id)).one()
        row = db.session.get(TrialGlossaryMatch, trial_id)
        assert row.glossary_version == "next-version" and "randomized" in row.matches["terms"]


def test_the_switch_turns_every_explanation_off(
    client: FlaskClient, import_demo: Callable[..., object], glossary_off: None
) -> None:
    import_demo(SCHIZOPHRENIA)
    html = client.get(f"/trials/{SCHIZOPHRENIA}").get_data(as_text=True)
    assert "glossary-term" not in html and "conditions-explained" not in html
    assert "abbreviation-expansion" not in html and "glossary.js" not in html
