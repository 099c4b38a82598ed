"""The default FAQs and the glossary in the reader's language, from data files; an entry a file lacks is shown in
English and marked lang="en"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.faqs import translations as faq_translations
from portal.faqs.defaults import DEFAULT_FAQS
from portal.faqs.services import add_faq, seed_default_faqs
from portal.glossary import translations as glossary_translations
from portal.glossary.sources import glossary
from tests.contact.helpers import TRIAL


@pytest.fixture
def spanish_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spanish for the first FAQ only and one glossary term only, in the real files' shape."""
    (tmp_path / "defaults.es.json").write_text(
        json.dumps([{"question": "¿Qué es un ensayo clínico?", "answer": "Un estudio de investigación con personas."}]),
        encoding="utf-8",
    )
    first = glossary().terms[0]
    (tmp_path / "glossary.es.json").write_text(
        json.dumps({"about": {}, "terms": {first.term: {"term": "Término", "definition": "Definición sencilla."}}}),
        encoding="utf-8",
    )
    monkeypatch.setattr(faq_translations, "DATA_DIR", tmp_path)
    monkeypatch.setattr(glossary_translations, "DATA_DIR", tmp_path)
    for cached in (faq_translations.default_translations, glossary_translations.translated_terms,
                   glossary_translations.translation_version):
        cached.cache_clear()
    yield
    for cached in (faq_translations.default_translations, glossary_translations.translated_terms,
                   glossary_translations.translation_version):
        cached.cache_clear()


def faq_blocks(html: str) -> list[str]:
    return re.findall(r'<div class="faq"[^>]*>\s*<h3>[^<]*</h3>', html)


def test_default_faqs_are_shown_in_the_readers_language_and_others_in_english(
    app: Flask, client: FlaskClient, import_demo, spanish_data: None  # type: ignore[no-untyped-def]
) -> None:
    import_demo(TRIAL)
    with app.app_context():
        seed_default_faqs(db.session)
        add_faq(db.session, "Is parking free?", "Yes, at the main entrance.", nct_id=TRIAL)
        db.session.commit()
    spanish = faq_blocks(client.get(f"/trials/{TRIAL}?lang=es").get_data(as_text=True))
    assert spanish[0] == '<div class="faq" lang="en">\n      <h3>Is parking free?</h3>'  # the trial's own FAQ
    assert spanish[1] == '<div class="faq">\n      <h3>¿Qué es un ensayo clínico?</h3>'
    assert spanish[2] == f'<div class="faq" lang="en">\n      <h3>{DEFAULT_FAQS[1][0]}</h3>'  # not in the file
    english = faq_blocks(client.get(f"/trials/{TRIAL}?lang=en").get_data(as_text=True))
    assert english[1] == f'<div class="faq">\n      <h3>{DEFAULT_FAQS[0][0]}</h3>'


def test_an_edited_default_faq_stays_as_written(app: Flask, spanish_data: None) -> None:
    from portal.models import Faq

    edited = Faq(trial_id=None, question=DEFAULT_FAQS[0][0], answer="Our own answer.", position=1)
    shown = faq_translations.shown_faqs([edited], "es")
    assert (shown[0].question, shown[0].lang) == (DEFAULT_FAQS[0][0], "en")


def test_the_glossary_page_and_popovers_are_in_the_readers_language(client: FlaskClient, spanish_data: None) -> None:
    first = glossary().terms[0]
    second = glossary().terms[1]
    html = client.get("/glossary?lang=es").get_data(as_text=True)
    entry = re.search(rf'<div class="glossary-entry" id="{first.slug}">.*?</div>', html, re.S)
    assert entry and "Término" in entry.group(0) and "Definición sencilla." in entry.group(0)
    assert f'<span class="glossary-entry__english" lang="en">({first.term})</span>' in entry.group(0)
    other = re.search(rf'<div class="glossary-entry" id="{second.slug}">.*?</div>', html, re.S)
    assert other and f'<dt lang="en">{second.term}' in other.group(0)
    # Found by its Spanish words too.
    assert f'id="{first.slug}"' in client.get("/glossary?q=sencilla&lang=es").get_data(as_text=True)
    definitions = client.get("/glossary/definitions.json?lang=es").get_json()
    assert definitions[first.slug] == {"term": "Término", "definition": "Definición sencilla."}
    assert definitions[second.slug]["lang"] == "en"
    assert "lang" not in client.get("/glossary/definitions.json?lang=en").get_json()[second.slug]


def test_the_trial_page_asks_for_its_languages_definitions(
    client: FlaskClient, import_demo, spanish_data: None  # type: ignore[no-untyped-def]
) -> None:
    import_demo(TRIAL)
    spanish = client.get(f"/trials/{TRIAL}?lang=es").get_data(as_text=True)
    english = client.get(f"/trials/{TRIAL}?lang=en").get_data(as_text=True)
    source = re.compile(r'data-glossary-src="([^"]+)"')
    es_url, en_url = source.search(spanish), source.search(english)
    assert es_url and en_url and "lang=es" in es_url.group(1) and "lang=en" in en_url.group(1)
    assert es_url.group(1) != en_url.group(1).replace("lang=en", "lang=es")  # the Spanish file's version is in it


def test_the_repositorys_own_files_give_every_default_and_term() -> None:
    """Needs portal/faqs/data/defaults.<locale>.json and portal/glossary/data/glossary.<locale>.json."""
    for locale in ("es", "zh_Hans"):
        faq_translations.default_translations.cache_clear()
        glossary_translations.translated_terms.cache_clear()
        assert len(faq_translations.default_translations(locale)) == len(DEFAULT_FAQS)
        assert set(glossary_translations.translated_terms(locale)) == {t.term for t in glossary().terms}
