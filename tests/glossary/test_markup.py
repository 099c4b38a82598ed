"""The pass that explains words in a section's finished HTML: first use per section, never inside a tag, a link
or a heading, and nothing a record says can become markup."""

from __future__ import annotations

import re

from portal.glossary.markup import PageGlossary
from portal.glossary.matching import TrialMatches, abbreviations_in
from portal.glossary.sources import glossary
from portal.text import render_markdown

ALL_TERMS = frozenset(term.slug for term in glossary().terms)


def page(terms: frozenset[str] = ALL_TERMS, abbreviations: dict[str, str] | None = None) -> PageGlossary:
    return PageGlossary(TrialMatches(terms, abbreviations or {}), "/glossary")


def links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a class="glossary-term" href="/glossary#([a-z0-9-]+)">([^<]*)</a>', html)


def test_only_the_first_use_in_each_section_is_explained() -> None:
    glossary_page = page()
    overview = glossary_page.section(
        '<section id="overview"><p>Placebo, then placebo again.</p><p>A placebo once more.</p></section>'
    )
    description = glossary_page.section('<section id="description"><p>The placebos.</p></section>')
    assert links(overview) == [("placebo", "Placebo")]
    assert "then placebo again." in overview and "A placebo once more." in overview
    assert links(description) == [("placebo", "placebos")]


def test_longer_terms_win_and_other_spellings_lead_to_the_same_entry() -> None:
    html = page().section("<section><p>A double-blind, randomised, placebo-controlled trial.</p></section>")
    assert links(html) == [
        ("double-blind", "double-blind"),
        ("randomized", "randomised"),
        ("placebo-comparator", "placebo-controlled"),
    ]


def test_only_the_terms_stored_for_the_trial_are_explained() -> None:
    html = page(frozenset({"washout"})).section("<section><p>A placebo after a washout period.</p></section>")
    assert links(html) == [("washout", "washout period")]


def test_links_attributes_headings_and_code_are_left_alone() -> None:
    source = render_markdown('[placebo study](https://example.org/placebo "placebo") and `placebo` first.')
    html = page().section(f"<section><h3>Placebo</h3>{source}<p>Then a placebo.</p></section>")
    assert links(html) == [("placebo", "placebo")]
    assert (
        '<a href="https://example.org/placebo" title="placebo" rel="nofollow noopener noreferrer">placebo study</a>'
        in html
    )
    assert "<code>placebo</code>" in html and "<h3>Placebo</h3>" in html
    assert html.index('href="/glossary#placebo"') > html.index("Then a")


def test_quoted_angle_brackets_comments_and_self_closing_tags_are_not_text() -> None:
    # The templates' own markup around a section: an attribute value holding ">" and a term, a comment, an
    # empty svg. Only the paragraph's words are text.
    html = page().section(
        '<section data-label="placebo > cohort" title=\'arm>\'><!-- placebo <p> cohort -->'
        '<svg aria-hidden="true"/><p>The cohort got a placebo.</p></section>'
    )
    assert links(html) == [("cohort", "cohort"), ("placebo", "placebo")]
    assert html.startswith(
        '<section data-label="placebo > cohort" title=\'arm>\'><!-- placebo <p> cohort --><svg aria-hidden="true"/>'
    )


def test_a_hostile_record_cannot_add_markup() -> None:
    record = (
        'A placebo <img src=x onerror="alert(1)"> <script>alert(2)</script> "><b onmouseover=alert(3)>cohort</b> '
        '&lt;script&gt;alert(4)&lt;/script&gt; washout&amp;randomized <a href="javascript:alert(5)">arm</a>'
    )
    html = str(page().section(f"<section>{render_markdown(record)}</section>"))
    assert "<script" not in html and "onerror" not in html and "onmouseover" not in html
    assert "javascript:" not in html
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in html
    assert ("placebo", "placebo") in links(html) and ("cohort", "cohort") in links(html)
    # Every tag in the output is one nh3 allows or one the pass adds.
    assert set(re.findall(r"<([a-z0-9]+)", html)) <= {"section", "p", "b", "a", "img"}
    assert all(attrs == ' src="x"' for attrs in re.findall(r"<img([^>]*)>", html))


def test_abbreviations_are_spelled_out_once_per_section_in_the_criteria_only() -> None:
    matches = {"NYHA": "New York Heart Association", "DVT": "deep venous thrombosis"}
    glossary_page = page(frozenset(), matches)
    criteria = (
        "<section><ul><li>NYHA class III or IV.</li><li>No NYHA class IV; no DVT (deep vein clot).</li></ul></section>"
    )
    html = glossary_page.section(criteria, abbreviations=True)
    assert html.count("(New York Heart Association)") == 1
    assert (
        'NYHA <span class="abbreviation-expansion" data-notes-ui>(New York Heart Association)</span> class III' in html
    )
    assert "deep venous thrombosis" not in html  # the record explains it right there
    assert "New York Heart" not in page(frozenset(), matches).section(criteria)  # not asked: not in the criteria


def test_only_unambiguous_abbreviations_used_as_abbreviations_are_matched() -> None:
    found = abbreviations_in(
        "PT and INR in range. NYHA class II. NO COPD ALLOWED. Stage IV. CKD (chronic kidney disease)."
    )
    assert found == {"NYHA": "New York Heart Association"}
