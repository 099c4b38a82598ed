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
        status="RECRUITING",
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


def _trial(nct_id: str, condition: str, distance: tuple[int, str] | None) -> AlertedTrial:
    return AlertedTrial(
        nct_id=nct_id,
        title=f"Study {nct_id}",
        url=f"https://trials.example.org/trials/{nct_id}",
        status="RECRUITING",
        condition=condition,
        trial_term="Lupus Nephritis",
        site="Chicago Research Center, Chicago, United States" if distance else None,
        distance=distance,
    )


def test_a_batch_of_alert_emails_reads_as_each_one_rendered_alone(app: Flask) -> None:
    # The same trial reaches three people for different reasons, at different distances: each email must say its
    # own reader's reason, distance and links, in their language, though the batch renders the trial once.
    readers = [
        ("lupus", (3, "mi"), "pat"),
        ("lupus nephritis", (3, "mi"), "sam"),
        ("lupus", (5, "km"), "lee"),
        ("lupus", None, "kim"),
    ]
    contexts = []
    for condition, distance, name in readers:
        subscriber = Subscriber(email=f"{name}@example.org", place_label=None if distance is None else "Chicago")
        subscriber.radius_km = None if distance is None else 80.0
        subscriber.conditions = [SubscriberCondition(label=condition, phrase=condition)]
        contexts.append(
            dict(
                subscriber=subscriber,
                trials=[_trial("NCT90000001", condition, distance), _trial("NCT90000002", condition, distance)],
                more=0,
                total=2,
                manage_url=f"https://trials.example.org/alerts/manage/{name}",
                unsubscribe_url=f"https://trials.example.org/alerts/unsubscribe/{name}",
                portal_name="Trial Finder",
            )
        )
    with app.test_request_context():
        for language, status_word, recruiting in (
            ("en", "Status:", "Recruiting"),
            ("es", "Estado:", "Busca participantes"),
            ("zh_Hans", "状态：", "正在招募"),
        ):
            batch = BulkEmailRenderer(language).render_all("alerts_new", contexts)
            for context, email in zip(contexts, batch, strict=True):
                with force_locale(language):
                    assert email == render_email("alerts_new", **context)
                assert f"{status_word} {recruiting}" in email.text  # the trial's status in the reader's language too
                assert str(context["manage_url"]) in email.text and str(context["manage_url"]) in email.html
        english = BulkEmailRenderer("en").render_all("alerts_new", contexts)
    assert "you follow “lupus nephritis”" in english[1].text and "you follow “lupus”" in english[0].text
    assert "3 miles away" in english[0].text and "5 km away" in english[2].text
    assert "away" not in english[3].text  # "anywhere": no site, no distance
