"""Every page type in every language: the page's language is declared, its placeholders are filled, and no English
UI string is left on a Spanish or Chinese page (registry text and English fallbacks are marked lang="en" and not
counted). Needs the Spanish and Chinese catalogues (portal/translations) to pass."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext, ngettext

from tests.contact.helpers import TRIAL, post_contact
from tests.i18n.helpers import PLACEHOLDER_RE, leaked_english
from tests.notes.helpers import link_path, share

LANGUAGES = ("en", "es", "zh-Hans")
PAGES = (
    "/",
    "/about",
    "/trials",
    "/trials?q=asthma",
    "/trials?q=" + "x" * 300,  # a refused search: the error beside the field
    f"/trials/{TRIAL}",
    f"/trials/{TRIAL}/self-check",
    "/glossary",
    "/glossary?q=placebo",
    "/alerts/",
    "/alerts/check-your-inbox",
    "/alerts/confirm/not-a-token",
    "/account/sign-in",
    "/account/reset",
    "/no-such-page",
    "/trials/NCT99999999",
)


@pytest.fixture(autouse=True)
def trial(import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)


def check_page(html: str, lang: str) -> None:
    assert f'<html lang="{lang}">' in html
    assert not PLACEHOLDER_RE.search(html.split("<body", 1)[1].replace("{{ ", "")), "a placeholder was left unfilled"
    if lang != "en":
        assert leaked_english(html) == [], f"English left on the {lang} page"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_public_page_is_in_the_chosen_language(client: FlaskClient, lang: str) -> None:
    for path in PAGES:
        separator = "&" if "?" in path else "?"
        response = client.get(f"{path}{separator}lang={lang}")
        assert response.status_code < 500, path
        check_page(response.get_data(as_text=True), lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_form_errors_and_the_contact_confirmation_are_in_the_chosen_language(client: FlaskClient, lang: str) -> None:
    client.get(f"/about?lang={lang}")  # the cookie carries the choice to the form posts
    refused = post_contact(client, email="not an address", first_name="")
    assert refused.status_code == 422
    check_page(refused.get_data(as_text=True), lang)
    sent = post_contact(client)
    assert sent.status_code == 302
    check_page(client.get(sent.headers["Location"]).get_data(as_text=True), lang)


@pytest.mark.parametrize("lang", ["es", "zh-Hans"])
def test_wtforms_own_messages_are_translated(client: FlaskClient, lang: str) -> None:
    client.get(f"/about?lang={lang}")
    html = client.post("/trials/" + TRIAL + "/contact", data={"action": "send"}).get_data(as_text=True)
    assert "This field is required." not in html
    assert "The CSRF token is missing." not in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_shared_notes_page_is_in_the_chosen_language(app: Flask, client: FlaskClient, lang: str) -> None:
    client.get(f"/about?lang={lang}")
    body = share(client).get_json()
    html = client.get(link_path(body["url"])).get_data(as_text=True)
    check_page(html, lang)


def test_plurals_follow_each_languages_rules(app: Flask) -> None:
    with app.test_request_context():
        for locale in ("es", "zh_Hans"):
            with force_locale(locale):
                one = ngettext("%(num)d request", "%(num)d requests", 1)
                many = ngettext("%(num)d request", "%(num)d requests", 5)
                assert "1" in one and "5" in many and "%(" not in one + many
                assert one != "1 request" and many != "5 requests"
        with force_locale("zh_Hans"):  # Chinese has one form for every number
            assert ngettext("%(num)d request", "%(num)d requests", 1).replace("1", "5") == ngettext(
                "%(num)d request", "%(num)d requests", 5
            )
        with force_locale("es"):
            assert gettext("Find a trial") != "Find a trial"


@pytest.mark.parametrize("lang", ["es", "zh-Hans"])
def test_dates_and_numbers_follow_the_locale(client: FlaskClient, lang: str) -> None:
    html = client.get(f"/trials/{TRIAL}?lang={lang}").get_data(as_text=True)
    english_months = re.findall(r"\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|"
                                r"October|November|December) \d{4}\b", html)
    assert english_months == []


@pytest.mark.parametrize(
    ("locale", "expected"), [("es", "Este campo es obligatorio."), ("zh_Hans", "该字段是必填字段。")]
)
def test_wtforms_messages_come_from_wtforms_own_catalogues(app: Flask, locale: str, expected: str) -> None:
    from flask_wtf import FlaskForm
    from wtforms import StringField
    from wtforms.validators import DataRequired

    class Form(FlaskForm):
        class Meta:
            csrf = False

        name = StringField("name", [DataRequired()])

    with app.test_request_context(method="POST", data={}), force_locale(locale):
        form = Form()
        assert not form.validate()
        assert form.name.errors == [expected]
