"""/glossary: every term A to Z with an anchor, a search that works without JavaScript, and the definitions JSON."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from portal.glossary.sources import glossary, glossary_version
from tests.trials.test_pages import read


def _entries(html: str) -> list[str]:
    return re.findall(r'<div class="glossary-entry" id="([a-z0-9-]+)">', html)


def test_the_glossary_lists_every_term_a_to_z_with_an_anchor(client: FlaskClient) -> None:
    response = client.get("/glossary")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    slugs = _entries(html)
    assert slugs == [term.slug for term in glossary().terms]
    names = [glossary().by_slug[slug].term.casefold() for slug in slugs]
    assert names == sorted(names)
    assert 'href="#letter-P"' in html and 'id="letter-P"' in html
    text = " ".join(read(html).text)
    assert "A fake treatment that looks like the real one but has no medicine in it." in text


def test_a_search_shows_only_the_matching_terms(client: FlaskClient) -> None:
    html = client.get("/glossary?q=placebo").get_data(as_text=True)
    slugs = _entries(html)
    assert "placebo" in slugs and "placebo-comparator" in slugs
    assert "dialysis" not in slugs and len(slugs) < 15
    assert "match “placebo”" in " ".join(read(html).text)
    assert 'value="placebo"' in html


def test_a_search_finds_a_word_by_its_other_spelling_or_its_meaning(client: FlaskClient) -> None:
    assert "randomized" in _entries(client.get("/glossary?q=randomised").get_data(as_text=True))
    assert "creatinine-clearance" in _entries(client.get("/glossary?q=CrCl").get_data(as_text=True))
    assert "dialysis" in _entries(client.get("/glossary?q=kidneys+cannot").get_data(as_text=True))


def test_a_search_with_no_match_says_so_and_a_bad_one_is_refused(client: FlaskClient) -> None:
    html = client.get("/glossary?q=zzzqqq").get_data(as_text=True)
    assert _entries(html) == []
    assert "No word in the glossary matches" in html
    response = client.get("/glossary", query_string={"q": "x" * 101})
    assert response.status_code == 400
    assert "Please enter up to 100 letters" in response.get_data(as_text=True)
    hostile = client.get("/glossary", query_string={"q": '"><script>alert(1)</script>'})
    assert hostile.status_code == 200
    assert "<script>alert(1)" not in hostile.get_data(as_text=True)


def test_the_definitions_json_has_every_term_and_can_be_cached(client: FlaskClient) -> None:
    response = client.get(f"/glossary/definitions.json?v={glossary_version()}")
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) == set(glossary().by_slug)
    assert data["washout"]["term"] == "Washout"
    assert "max-age" in response.headers["Cache-Control"]
    again = client.get("/glossary/definitions.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
