"""The translation gates: every marked string translated in every catalogue, nothing fuzzy or empty, and no
template text left unmarked. (The first test needs the Spanish and Chinese catalogues in portal/translations.)"""

from __future__ import annotations

from babel.messages.catalog import Catalog

from portal.i18n_check import TRANSLATED, catalogue_problems, check, extract, visible_template_text


def test_every_catalogue_has_every_string_the_code_marks() -> None:
    problems = check()
    assert problems == [], "\n".join(problems[:40])


def test_extraction_reads_python_templates_and_scripts() -> None:
    messages = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    assert "Please choose a language from the list." in messages  # Python (lazy_gettext as _l)
    assert "Skip to main content" in messages  # a template
    assert "Link copied." in messages  # static/js/notes-share.js
    assert "Works until %(date)s · %(num)d note" in messages  # an ngettext call in a script
    assert "Language" in messages  # the switcher's label


def test_a_missing_fuzzy_or_empty_translation_is_a_problem(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import portal.i18n_check as gate

    template = Catalog()
    template.add("Find a trial")
    template.add("Saved")
    template.add("Gone")
    template.add(("%(num)d note", "%(num)d notes"))
    template.add("Hello %(name)s", flags=("python-format",))
    po = tmp_path / "es" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgid "Find a trial"\nmsgstr "Buscar un estudio"\n\n'
        '#, fuzzy\nmsgid "Saved"\nmsgstr "Guardado"\n\n'
        'msgid "%(num)d note"\nmsgid_plural "%(num)d notes"\nmsgstr[0] "%(num)d nota"\nmsgstr[1] ""\n\n'
        '#, python-format\nmsgid "Hello %(name)s"\nmsgstr "Hola %(nombre)s"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(gate, "TRANSLATIONS", tmp_path)
    problems = catalogue_problems(template, "es")
    assert problems == [
        "es: 'Saved' is fuzzy",
        "es: 'Gone' is missing",
        "es: '%(num)d note' is not translated",
        "es: 'Hello %(name)s': placeholders ['nombre'] are not in the English text",
    ]
    assert catalogue_problems(template, "fr") == [f"fr: no catalogue at {tmp_path / 'fr/LC_MESSAGES/messages.po'}"]


def test_unmarked_template_text_is_found() -> None:
    source = (
        '{% extends "base.html" %}{# a comment is fine #}\n'
        "<h1>{{ _('Find a trial') }}</h1>\n"
        "<p>Contact the study team</p>\n"
        '<img src="x.png" alt="A doctor">\n'
        "{% trans %}Marked text{% endtrans %}\n"
        '<input type="submit" value="Send">\n'
        '<p class="x"{% if error %} aria-invalid="true"{% endif %}>{{ count }}</p>\n'
        "<script>var notText = 'hello there';</script>\n"
        "<p>NCT04012996 · ClinicalTrials.gov</p>\n"
    )
    assert visible_template_text(source, html=True) == ["Contact the study team", "A doctor", "Send"]
    assert visible_template_text("{{ _('Hello') }}\nThanks for signing up\n", html=False) == ["Thanks for signing up"]


def test_the_portal_translates_into_the_languages_it_offers(app) -> None:  # type: ignore[no-untyped-def]
    assert app.config["LANGUAGES"] == ["en", *TRANSLATED]
    assert app.config["WTF_I18N_ENABLED"] is True
