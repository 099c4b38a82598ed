"""Alert emails in each language the portal has: the bulk renderer binds that language's catalogue, and a
subscriber's chosen email language maps to it (zh -> zh_Hans), else the language they signed up in."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale, ngettext

from portal.alerts.notices import AlertedTrial
from portal.mail.rendering import BulkEmailRenderer, render_email
from portal.models import Subscriber, SubscriberCondition
from portal.vocabulary import email_locale


@pytest.mark.parametrize(
    ("language", "ui_locale", "locale"), [("es", "en", "es"), ("zh", "en", "zh_Hans"), ("vi", "es", "es")]
)
def test_alert_emails_are_written_in_the_subscribers_language(
    app: Flask, language: str, ui_locale: str, locale: str
) -> None:
    assert email_locale(language, ui_locale) == locale
    subscriber = Subscriber(email="pat@example.org", language=language, ui_locale=ui_locale)
    subscriber.conditions = [SubscriberCondition(label="lupus", phrase="lupu")]
    trial = AlertedTrial(
        nct_id="NCT90000001", title="A study", url="https://trials.example.org/trials/NCT90000001",
        status="RECRUITING", condition="lupus", trial_term="Lupus Nephritis", site=None, distance=None,
    )
    context = dict(subscriber=subscriber, trials=[trial], more=3, total=4, portal_name="Trial Finder",
                   manage_url="https://trials.example.org/alerts/manage/t",
                   unsubscribe_url="https://trials.example.org/alerts/unsubscribe/t")
    with app.test_request_context():
        for name in ("alerts_new", "alerts_digest"):
            bulk = BulkEmailRenderer(email_locale(language, ui_locale)).render(name, **context)
            with force_locale(locale):
                assert bulk == render_email(name, **context)
                more = ngettext("And %(num)s more trial. See them all:", "And %(num)s more trials. See them all:", 3)
            assert more != "And 3 more trials. See them all:" and more in bulk.text
