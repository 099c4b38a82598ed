"""portal.text: registry text to HTML (Markdown, HTML that arrived already encoded, nothing that runs), and the
case and accent folding that places, trial terms, synonyms and searches compare text with."""

from __future__ import annotations

import unicodedata

import pytest
from markupsafe import escape

from portal.ctgov.terms import normalise_term
from portal.geo import fold
from portal.search.querytext import plain_words
from portal.search.synonyms import surface
from portal.text import decode_entities, fold_accents, render_inline, render_markdown, to_plain_text


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Breast CANCER", "breast cancer"),
        ("Hagåtña", "hagatna"),
        ("SJÖGREN", "sjogren"),
        ("Straße", "strasse"),  # case folding, not lower(): "ß" is "ss"
        ("ﬁbrosis", "fibrosis"),  # compatibility forms are decomposed
        ("İstanbul", "istanbul"),  # the dot that casefold leaves is a combining mark
        ("Ñandú\u0301", "nandu"),
        ("e\u0301\U0001d165x", "ex"),  # a combining mark outside the Basic Multilingual Plane goes too
        (" São Paulo ", " sao paulo "),  # spaces are the caller's business
        ("", ""),
    ],
)
def test_fold_accents(text: str, folded: str) -> None:
    assert fold_accents(text) == folded


def test_fold_accents_agrees_with_dropping_marks_one_by_one() -> None:
    def one_by_one(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch))

    sample = "".join(chr(code) for code in range(0x20, 0x3000) if not 0xD800 <= code <= 0xDFFF)
    assert fold_accents(sample) == one_by_one(sample)


def test_each_caller_folds_then_does_its_own_part() -> None:
    assert fold("  Hagåtña ") == "hagatna"  # place names are also stripped
    assert normalise_term("Sjögren's Syndromes") == "sjogren s syndrome"
    assert surface("Crohn’s Diséase") == "crohn disease"
    assert plain_words("Café of the Ñandú") == ["cafe", "nandu"]


@pytest.mark.parametrize(
    ("source", "html", "plain"),
    [
        # As in NCT03929601's eligibility criteria: the registry's Markdown escaped the "&" of an encoded "<".
        ("Leukocytes \\&lt;3,000/μL", "Leukocytes &lt;3,000/μL", "Leukocytes <3,000/μL"),
        ("QTc \\&gt; 450 ms", "QTc &gt; 450 ms", "QTc > 450 ms"),
        ("a patient\\&#39;s fear", "a patient's fear", "a patient's fear"),
        # Decoded once: text encoded twice keeps one level, as the registry stored it.
        ("typically \\&amp;lt;1 cm", "typically &amp;lt;1 cm", "typically &lt;1 cm"),
        # Not a character reference: left as it was.
        ("RAINBO BLUE &Amp; TAPER", "RAINBO BLUE &amp;Amp; TAPER", "RAINBO BLUE &Amp; TAPER"),
        ("\\&nothing; here", "&amp;nothing; here", "&nothing; here"),
        # An escaped backslash before the reference stays a backslash.
        ("a \\\\&lt; b", "a \\&lt; b", "a \\< b"),
    ],
)
def test_encoded_characters_are_decoded_once(source: str, html: str, plain: str) -> None:
    assert str(render_inline(source)) == html
    assert str(render_markdown(source)) == f"<p>{html}</p>\n"
    assert to_plain_text(source) == plain


@pytest.mark.parametrize(
    "source",
    [
        "\\&lt;script\\&gt;alert(1)\\&lt;/script\\&gt;",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "\\&lt;img src=x onerror=alert(1)\\&gt;",
        "&#60;script&#62;alert(1)&#60;/script&#62;",
    ],
)
def test_an_encoded_script_shows_as_text_and_stays_inert(source: str) -> None:
    for html in (str(render_markdown(source)), str(render_inline(source))):
        assert "<script" not in html and "<img" not in html
        assert "&lt;script&gt;" in html or "&lt;img" in html
    assert str(escape(decode_entities(source))).count("<") == 0


def test_real_html_in_registry_text_is_still_sanitised() -> None:
    html = str(render_markdown('Before <script>alert(1)</script> <a href="javascript:alert(1)" onclick="x()">link</a>'))
    assert "<script" not in html and "alert(1)</" not in html
    assert "javascript:" not in html and "onclick" not in html
    assert "link" in html


def test_plain_registry_text_is_decoded_and_stays_text() -> None:
    assert decode_entities("Children&#39;s Wisconsin") == "Children's Wisconsin"
    assert decode_entities("Q&A &amp; more") == "Q&A & more"
    # Only complete references: "&notice" is not "¬ice".
    assert decode_entities("&notice &copy") == "&notice &copy"
    assert decode_entities(None) == ""
    assert str(escape(decode_entities("&lt;b&gt;bold&lt;/b&gt;"))) == "&lt;b&gt;bold&lt;/b&gt;"
