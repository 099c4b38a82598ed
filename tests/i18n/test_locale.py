"""Choosing the language: ?lang= wins and is remembered, then the cookie, then Accept-Language; every page says
which language it is in, links to itself in the others, and tells caches it varies."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.contact.helpers import TRIAL, VALID, page_form


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', html)
    assert match
    return match.group(1)


def test_without_a_choice_the_browser_language_decides(client: FlaskClient) -> None:
    assert html_lang(client.get("/about").get_data(as_text=True)) == "en"
    spanish = client.get("/about", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert html_lang(spanish.get_data(as_text=True)) == "es"
    for header in ("zh-CN,zh;q=0.9", "zh-Hans", "zh"):
        assert html_lang(client.get("/about", headers={"Accept-Language": header}).get_data(as_text=True)) == "zh-Hans"
    assert html_lang(client.get("/about", headers={"Accept-Language": "fr-FR,fr"}).get_data(as_text=True)) == "en"


def test_a_choice_in_the_url_wins_and_is_remembered(client: FlaskClient) -> None:
    chosen = client.get("/about?lang=zh-Hans", headers={"Accept-Language": "es"})
    assert html_lang(chosen.get_data(as_text=True)) == "zh-Hans"
    cookie = chosen.headers["Set-Cookie"]
    assert cookie.startswith("lang=zh-Hans;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The next page, with no choice in its URL, stays in Chinese whatever the browser asks for.
    assert html_lang(client.get("/glossary", headers={"Accept-Language": "es"}).get_data(as_text=True)) == "zh-Hans"
    again = client.get("/about?lang=zh-Hans")
    assert "Set-Cookie" not in again.headers  # already remembered
    assert html_lang(client.get("/about?lang=en").get_data(as_text=True)) == "en"
    assert html_lang(client.get("/").get_data(as_text=True)) == "en"


@pytest.mark.parametrize("value", ["xx", "zh_hant", "es-", "e" * 40, "<script>", "", "fr"])
def test_a_language_the_portal_does_not_have_is_ignored(client: FlaskClient, value: str) -> None:
    response = client.get("/about", query_string={"lang": value}, headers={"Accept-Language": "es"})
    assert response.status_code == 200
    assert html_lang(response.get_data(as_text=True)) == "es"
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]


def test_every_page_has_a_switcher_and_alternates_and_varies(client: FlaskClient) -> None:
    response = client.get("/trials?q=asthma&page=1", headers={"Accept-Language": "es"})
    html = response.get_data(as_text=True)
    vary = {part.strip() for part in response.headers["Vary"].split(",")}
    assert {"Accept-Language", "Cookie"} <= vary
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))
    assert alternates == {
        "en": "https://trials.example.org/trials?q=asthma&amp;page=1&amp;lang=en",
        "es": "https://trials.example.org/trials?q=asthma&amp;page=1&amp;lang=es",
        "zh-Hans": "https://trials.example.org/trials?q=asthma&amp;page=1&amp;lang=zh-Hans",
        "x-default": "https://trials.example.org/trials?q=asthma&amp;page=1",
    }
    switcher = re.search(r'<nav class="language-switcher".*?</nav>', html, re.S)
    assert switcher
    links = re.findall(r'<a href="([^"]+)" hreflang="([^"]+)" lang="([^"]+)"( aria-current="true")?>([^<]+)</a>',
                       switcher.group(0))
    assert [(href, name, bool(current)) for href, _h, _l, current, name in links] == [
        ("/trials?q=asthma&amp;page=1&amp;lang=en", "English", False),
        ("/trials?q=asthma&amp;page=1&amp;lang=es", "Español", True),
        ("/trials?q=asthma&amp;page=1&amp;lang=zh-Hans", "简体中文", False),
    ]


def test_the_staff_pages_have_the_switcher_too(client: FlaskClient) -> None:
    html = client.get("/account/sign-in").get_data(as_text=True)
    assert 'class="language-switcher"' in html and 'hreflang="zh-Hans"' in html


def test_the_trial_page_cache_keeps_one_copy_per_language(app: Flask, client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    english = client.get(f"/trials/{TRIAL}?lang=en").get_data(as_text=True)
    spanish = client.get(f"/trials/{TRIAL}?lang=es").get_data(as_text=True)
    again = client.get(f"/trials/{TRIAL}?lang=en").get_data(as_text=True)
    assert html_lang(english) == html_lang(again) == "en" and html_lang(spanish) == "es"
    assert "The study&#39;s own description is in English." not in english
    assert 'class="registry-language-note"' in spanish and 'class="registry-language-note"' not in again
    assert '<span lang="en">' in spanish  # the registry's title is marked as English
    response = client.get(f"/trials/{TRIAL}")
    assert {"Accept-Language", "Cookie"} <= {part.strip() for part in response.headers["Vary"].split(",")}


def test_the_scripts_catalogue_is_cacheable_and_per_language(client: FlaskClient) -> None:
    html = client.get("/about?lang=es").get_data(as_text=True)
    url = re.search(r'<script src="(/i18n/es/[0-9a-f]{12}/messages\.js)" defer></script>', html)
    assert url, "the page loads its language's catalogue before the other scripts"
    assert html.index(url.group(1)) < html.index("js/i18n.js") < html.index("js/portal.js")
    script = client.get(url.group(1))
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert "immutable" in script.headers["Cache-Control"] and "Accept-Language" not in script.headers.get("Vary", "")
    body = script.get_data(as_text=True)
    assert body.startswith("window.portalMessages = {") and '"lang": "es"' in body
    assert '"Link copied."' in body and '"Works until %(date)s · %(num)d note"' in body
    assert "window.portalMessages.plural = function (n) { return Number(" in body
    stale = client.get("/i18n/es/000000000000/messages.js")
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    assert client.get("/i18n/fr/000000000000/messages.js").status_code == 404


def test_after_a_form_post_the_switcher_leads_back_to_the_forms_page(client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    _html, token, site = page_form(client)
    data = {**VALID, "csrf_token": token, "site": site, "email": "not an address"}
    response = client.post(
        f"/trials/{TRIAL}/contact", data=data, headers={"Referer": f"http://localhost/trials/{TRIAL}?x=1"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<a href="/trials/{TRIAL}?x=1&amp;lang=es" hreflang="es"' in page
    assert f"/trials/{TRIAL}/contact?lang=" not in page
