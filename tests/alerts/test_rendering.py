"""Alert emails are rendered in bulk with the catalogue bound once: the result must equal the usual rendering."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale

from portal.alerts.notices import AlertedTrial
from portal.mail.rendering import BulkEmailRenderer, render_email
from portal.models import Subscriber, SubscriberCondition


def test_bulk_rendering_matches_render_email(app: Flask) -> None:
    subscriber = Subscriber(email="pat@example.org", place_label="Chicago, Illinois", radius_km=80.0)
    subscriber.conditions = [SubscriberCondition(label="lupus <b>", phrase="lupu b")]
    trial = AlertedTrial(
        nct_id="NCT90000001",
        title="A study of <script>alert(1)</script> & friends",
        url="https://trials.example.org/trials/NCT90000001",
        status="Recruiting",
        condition="lupus <b>",
        trial_term="Lupus Nephritis",
        site="Chicago Research Center, Chicago, United States",
        distance=(2, "mi"),
    )
    context = dict(
        subscriber=subscriber,
        trials=[trial, trial],
        more=3,
        total=5,
        manage_url="https://trials.example.org/alerts/manage/t",
        unsubscribe_url="https://trials.example.org/alerts/unsubscribe/t",
        portal_name="Trial Finder",
    )
    with app.test_request_context():
        for name in ("alerts_new", "alerts_digest"):
            with force_locale("en"):
                usual = render_email(name, **context)
            bulk = BulkEmailRenderer("en").render(name, **context)
            assert bulk == usual
            assert "&lt;script&gt;" in bulk.html and "<script>" not in bulk.html  # still escaped in HTML
            assert "And 3 more trials" in bulk.text
