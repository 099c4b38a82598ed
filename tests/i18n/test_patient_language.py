"""The patient's language goes with them: stored on what they send, their emails written in it; the study team's
email stays in English and says which language the person prefers; the site's list filters by it."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy import select

from portal.extensions import db
from portal.models import ContactRequest, NoteShare, OutboxEmail, Subscriber
from portal.vocabulary import email_locale, preferred_language_name
from tests.alerts.helpers import sign_up
from tests.contact.helpers import TRIAL, post_contact
from tests.notes.helpers import api_post, share
from tests.staff import ALICE, TwoSites, make_request, sign_in, two_sites

PATIENT_LINE = "They will tell you more about the trial and ask some questions to see if it may be right for you. " \
    "Taking part is always your choice."
SITE_LINE = "A person would like to hear from the study team about this trial."


def in_language(app: Flask, locale: str, message: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return gettext(message)


def after_header(text: str) -> str:
    """An email's text after the portal's name and its underline."""
    return text.split("\n\n", 1)[1]


def emails(app: Flask, kind: str) -> list[OutboxEmail]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == kind).order_by(OutboxEmail.id)))


@pytest.mark.parametrize(("lang", "locale", "language"), [("es", "es", "Spanish"), ("zh-Hans", "zh_Hans", "Chinese")])
def test_a_contact_request_keeps_the_patients_language(
    app: Flask, client: FlaskClient, import_demo, lang: str, locale: str, language: str  # type: ignore[no-untyped-def]
) -> None:
    import_demo(TRIAL)
    client.get(f"/about?lang={lang}")
    assert post_contact(client, language="").status_code == 302  # no language chosen on the form
    with app.app_context():
        request = db.session.scalar(select(ContactRequest))
        assert request is not None and (request.language, request.ui_locale) == (None, locale)
    [to_site] = emails(app, "contact_site")
    [to_patient] = emails(app, "contact_patient")
    # The study team reads English, told first of all which language the person prefers.
    assert to_site.subject.startswith(f"[Prefers {language}] New contact request for {TRIAL} at ")
    assert after_header(to_site.body_text).startswith(f"Prefers {language}. Please contact this person in {language}")
    assert f"Prefers {language}." in to_site.body_html and SITE_LINE in to_site.body_text
    assert re.search(rf"Preferred language</th>\s*<td[^>]*>{language}</td>", to_site.body_html)
    # The patient's copy is in the language they used.
    translated = in_language(app, locale, PATIENT_LINE)
    assert translated != PATIENT_LINE
    text = " ".join(to_patient.body_text.split())
    assert translated in text
    # So is the status page its link opens, in a browser that never chose a language.
    [link] = re.findall(r"https://trials\.example\.org(/requests/[^\s?]+\?lang=[\w-]+)", to_patient.body_text)
    assert link.endswith(f"?lang={lang}")
    page = app.test_client().get(link, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'<html lang="{lang}"' in page
    assert in_language(app, locale, "Changed your mind?") in page


def test_a_language_chosen_on_the_form_wins_and_english_readers_state_none(
    app: Flask, client: FlaskClient, import_demo  # type: ignore[no-untyped-def]
) -> None:
    import_demo(TRIAL)
    client.get("/about?lang=zh-Hans")
    assert post_contact(client, language="fr").status_code == 302
    [to_site] = emails(app, "contact_site")
    assert to_site.subject.startswith("[Prefers French] ")
    client.get("/about?lang=en")
    assert post_contact(client, language="", email="other@example.org").status_code == 302
    english = emails(app, "contact_site")[1]
    assert "Prefers" not in english.subject and "Prefers" not in english.body_text
    assert PATIENT_LINE in " ".join(emails(app, "contact_patient")[1].body_text.split())


def test_language_names_and_email_locales() -> None:
    assert preferred_language_name(None, "es") == "Spanish"
    assert preferred_language_name(None, "zh_Hans") == "Chinese"
    assert preferred_language_name(None, "en") is None
    assert preferred_language_name("vi", "es") == "Vietnamese"
    assert email_locale("zh", "en") == "zh_Hans"
    assert email_locale("vi", "es") == "es"  # a language the portal does not have: the one they read it in
    assert email_locale("vi", "en") == "en" and email_locale(None, "xx") == "en"


def test_an_alert_sign_up_in_chinese_is_confirmed_in_chinese(app: Flask, client: FlaskClient) -> None:
    client.get("/about?lang=zh-Hans")
    form = client.get("/alerts/").get_data(as_text=True)
    assert '<option selected value="zh">' in form or '<option value="zh" selected>' in form  # their language first
    assert sign_up(client, language=None).status_code == 302
    with app.app_context():
        subscriber = db.session.scalar(select(Subscriber))
        assert subscriber is not None and (subscriber.language, subscriber.ui_locale) == ("zh", "zh_Hans")
    [confirm] = emails(app, "alerts_confirm")
    with app.test_request_context(), force_locale("zh_Hans"):
        subject = gettext("Please confirm your trial alerts from %(portal)s", portal=app.config["PORTAL_NAME"])
        hello = gettext("Hello,")
    assert confirm.subject == subject
    assert subject != f"Please confirm your trial alerts from {app.config['PORTAL_NAME']}"
    assert after_header(confirm.body_text).startswith(hello) and hello != "Hello,"


def test_a_notes_link_is_emailed_in_the_language_it_was_shared_from(
    app: Flask, client: FlaskClient, import_demo  # type: ignore[no-untyped-def]
) -> None:
    import_demo(TRIAL)
    client.get("/about?lang=es")
    body = share(client).get_json()
    with app.app_context():
        assert db.session.scalar(select(NoteShare.ui_locale)) == "es"
    client.get("/about?lang=en")  # emailed later from an English page: still the sharer's language
    request = {"owner_token": body["owner_token"], "url": body["url"], "email": "sam@example.org"}
    assert api_post(client, "/notes/shares/email", request).status_code == 200
    [email] = emails(app, "notes_link")
    with app.test_request_context(), force_locale("es"):
        expected = gettext("Notes about the trial %(nct_id)s were shared with you on %(portal)s", nct_id=TRIAL,
                           portal=app.config["PORTAL_NAME"])
    assert email.subject == expected
    assert email.subject != f"Notes about the trial {TRIAL} were shared with you on {app.config['PORTAL_NAME']}"


def test_the_site_list_filters_by_preferred_language(app: Flask, client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    sites: TwoSites = two_sites(app, import_demo)
    spanish = make_request(app, sites.site_a, first_name="Sol")
    chinese = make_request(app, sites.site_a, first_name="Lin")
    with app.app_context():
        for public_id, language, ui_locale in ((spanish, None, "es"), (chinese, "zh", "en")):
            row = db.session.scalar(select(ContactRequest).where(ContactRequest.public_id == public_id))
            assert row is not None
            row.language, row.ui_locale = language, ui_locale
        db.session.commit()
    sign_in(client, ALICE)
    everyone = client.get("/site/").get_data(as_text=True)
    assert ">Sol " in everyone and ">Lin " in everyone and ">Ada " in everyone
    assert '<label for="language">Preferred language</label>' in everyone
    only_spanish = client.get("/site/?language=es").get_data(as_text=True)
    assert ">Sol " in only_spanish and ">Lin " not in only_spanish and ">Ada " not in only_spanish
    assert "<td>Spanish</td>" in only_spanish
    only_chinese = client.get("/site/?language=zh").get_data(as_text=True)
    assert ">Lin " in only_chinese and ">Sol " not in only_chinese
    only_english = client.get("/site/?language=en").get_data(as_text=True)
    assert ">Ada " in only_english and ">Sol " not in only_english
    assert client.get("/site/?language=xx").status_code == 400
