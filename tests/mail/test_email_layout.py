"""Every email as it arrives over SMTP: one layout with its CSS inlined, a text part of its own, who sent it and why."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.mail import queue_invitation, queue_password_reset
from portal.alerts.notices import run_alerts
from portal.extensions import db
from portal.mail.outbox import deliver_due
from portal.models import OutboxEmail, User
from portal.models.alert import WEEKLY
from portal.models.base import utcnow
from tests.alerts.helpers import CHICAGO, import_studies, sign_up, study, subscribe
from tests.conftest import SmtpServer
from tests.contact.helpers import TRIAL, post_contact
from tests.notes.helpers import api_post, share
from tests.staff import make_user

KINDS = {
    "contact_site",
    "contact_patient",
    "alerts_confirm",
    "alerts_already",
    "alerts_new",
    "alerts_digest",
    "notes_link",
    "account_invitation",
    "account_reset",
}
SENDER = "no-reply@trials.example.org"
# Why each person gets each email, as the footer says it (in the text part and the HTML part alike).
REASONS = {
    "contact_site": "You are getting this email because ClinicalTrials.gov lists this address as the contact for "
    "{facility} in NCT04012996, and a person asked through Trial Finder to hear from the study team there.",
    "contact_patient": "You are getting this email because you asked the study team at {facility} to contact you "
    "through Trial Finder.",
    "alerts_confirm": "You are getting this email because someone asked Trial Finder for trial alerts at this "
    "address. Nothing more is sent until the alerts are confirmed.",
    "alerts_already": "You are getting this email because someone asked Trial Finder for trial alerts at this "
    "address, which already gets them.",
    "alerts_new": "You are getting this email because you signed up at Trial Finder for trial alerts about: lupus.",
    "alerts_digest": "You are getting this email because you signed up at Trial Finder for trial alerts about: lupus.",
    "notes_link": "You are getting this email because someone who shared notes about a trial on Trial Finder asked "
    "us to send the link to this address.",
    "account_invitation": "You are getting this email because Ops invited this address to a staff account on "
    "Trial Finder.",
    "account_reset": "You are getting this email because someone asked Trial Finder to reset the password of the "
    "staff account for this address.",
}
TAG = re.compile(r"<[a-zA-Z/!][^>]*>")


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content().replace("\r\n", "\n"), html.get_content()


def as_read(html: str) -> str:
    """What a reader sees of an HTML part: the text, tags dropped, entities decoded, whitespace collapsed."""
    body = re.split(r"<body[^>]*>", html, maxsplit=1)[1]
    return " ".join(html_lib.unescape(TAG.sub(" ", body)).split())


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def every_email(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, import_demo, monkeypatch: pytest.MonkeyPatch
) -> dict[str, EmailMessage]:  # type: ignore[no-untyped-def]
    """One email of each kind, each caused the way a person or an operator causes it, delivered over SMTP."""
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", SENDER)
    import_demo(TRIAL)
    assert post_contact(client).status_code == 302  # contact_site, contact_patient
    shared = share(client).get_json()
    email = {"owner_token": shared["owner_token"], "url": shared["url"], "email": "friend@example.org"}
    assert api_post(client, "/notes/shares/email", email).status_code == 200  # notes_link
    start = utcnow() - timedelta(days=3)
    subscribe(app, "pat@example.org", "lupus", place="Chicago", radius_miles=25, confirmed_at=start)
    subscribe(app, "weekly@example.org", "lupus", frequency=WEEKLY, confirmed_at=start)
    assert sign_up(client, email="new@example.org").status_code == 302  # alerts_confirm
    assert sign_up(client, email="pat@example.org").status_code == 302  # alerts_already
    import_studies(app, study("NCT90000020", conditions=["Lupus"], sites=[("Chicago", CHICAGO, "RECRUITING")]))
    admin_id = make_user(app, "ops@example.org", role="admin")
    member_id = make_user(app, "new.member@site.example.org")
    with app.app_context():
        run_alerts(db.session, dispatch=False)  # alerts_new
        run_alerts(db.session, now=start + timedelta(days=7, minutes=1), dispatch=False)  # alerts_digest
        admin, member = db.session.get(User, admin_id), db.session.get(User, member_id)
        assert admin is not None and member is not None
        queue_invitation(db.session, member, admin)
        queue_password_reset(db.session, admin)
        db.session.commit()
        deliver_due(db.session)
        kinds = {row.message_id: row.kind for row in db.session.scalars(select(OutboxEmail))}
        db.session.remove()
    received = {kinds[m["Message-ID"]]: m for m in smtp_server.messages}
    assert set(received) == KINDS and len(smtp_server.messages) == len(KINDS)
    return received  # type: ignore[return-value]


def test_every_email_has_a_text_part_and_an_html_part_that_read_on_their_own(
    every_email: dict[str, EmailMessage],
) -> None:
    for kind, message in every_email.items():
        # Flask-Mail's tree: multipart/mixed holding one multipart/alternative, the text first; nothing attached.
        leaves = [part.get_content_type() for part in message.walk() if not part.is_multipart()]
        assert leaves == ["text/plain", "text/html"], (kind, leaves)
        [alternative] = [part for part in message.walk() if part.get_content_type() == "multipart/alternative"]
        assert [part.get_content_type() for part in alternative.iter_parts()] == ["text/plain", "text/html"], kind
        text, html = parts(message)
        assert not TAG.search(text), (kind, TAG.search(text))  # no markup left in the text part
        assert "{{" not in text + html and "None" not in text, kind
        assert text.startswith("Trial Finder\n============\n\n"), kind
        assert text.rstrip().endswith("Sent by Trial Finder, https://trials.example.org"), kind
        assert as_read(html).startswith("TF Trial Finder"), kind  # the text logo, then the name
        assert "Sent by Trial Finder, https://trials.example.org" in as_read(html), kind


def test_the_html_is_styled_inline_with_nothing_fetched_from_elsewhere(every_email: dict[str, EmailMessage]) -> None:
    for kind, message in every_email.items():
        _text, html = parts(message)
        # Styles reach a reader's client as attributes, where every client reads them.
        assert re.search(r'<body style="[^"]*font-family:[^"]*"', html), kind
        assert re.search(r'<td class="header" style="[^"]*border-bottom:[^"]*"', html), kind
        assert re.search(r'<span class="logo-mark" aria-hidden="true" style="[^"]*background-color:', html), kind
        assert re.search(r'<td class="footer" style="[^"]*font-size: 14px', html), kind
        for tag in ("p", "a", "h2", "li", "th"):
            unstyled = [m for m in re.findall(rf"<{tag}\b[^>]*>", html) if "style=" not in m]
            assert not unstyled, (kind, unstyled)
        # What stays in a <style> is only what cannot be inlined: the rules for narrow screens.
        for block in re.findall(r"<style[^>]*>(.*?)</style>", html, re.S):
            assert block.strip().startswith("@media") and block.count("{") == block.count("}"), (kind, block)
            assert ".details th" not in block.split("@media", 1)[0], kind
        # Nothing to load: no images, stylesheets, scripts, fonts or frames, and no source URLs at all.
        assert not re.search(r"<(img|link|script|iframe|object|embed|picture|source)\b", html, re.I), kind
        assert not re.search(r"\bsrc\s*=|url\(|@import|background=", html, re.I), kind
    site_html = parts(every_email["contact_site"])[1]
    assert re.search(r'<a class="button" href="https://trials\.example\.org/site/requests/[^"]+" style="', site_html)


def test_mail_comes_from_the_portal_by_name(app: Flask, every_email: dict[str, EmailMessage]) -> None:
    for kind, message in every_email.items():
        [sender] = message["From"].addresses
        assert (sender.display_name, sender.addr_spec) == ("Trial Finder", SENDER), kind


def test_a_portal_name_with_punctuation_and_accents_is_encoded_in_the_from_header(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, import_demo, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", SENDER)
    monkeypatch.setitem(app.config, "PORTAL_NAME", 'Essais "cliniques", Genève')
    import_demo(TRIAL)
    post_contact(client)
    with app.app_context():
        deliver_due(db.session)
    assert len(smtp_server.messages) == 2
    for message, raw in zip(smtp_server.messages, smtp_server.handler.raw, strict=True):
        [sender] = message["From"].addresses
        assert (sender.display_name, sender.addr_spec) == ('Essais "cliniques", Genève', SENDER)
        header = re.search(rb"\r\nFrom: (.*?)\r\n(?! )", raw, re.S)
        assert header and header.group(1).isascii() and b"=?utf-8?" in header.group(1)  # RFC 2047
        assert header.group(1).endswith(b" <no-reply@trials.example.org>")
    # The envelope sender is the bare address.
    assert {mail_from for mail_from, _ in smtp_server.handler.envelopes} == {SENDER}


def test_each_email_says_who_sent_it_and_why(every_email: dict[str, EmailMessage]) -> None:
    facility = next(m for m in every_email.values() if m is every_email["contact_site"])["Subject"]
    facility = one_line(facility).split(" at ", 1)[1]
    for kind, message in every_email.items():
        reason = REASONS[kind].format(facility=facility)
        text, html = parts(message)
        assert reason in one_line(text), (kind, one_line(text)[-400:])
        assert reason in as_read(html), (kind, as_read(html)[-400:])


def test_the_shared_notes_email_names_the_portal_and_never_asks_for_the_passcode(
    every_email: dict[str, EmailMessage],
) -> None:
    message = every_email["notes_link"]
    assert one_line(message["Subject"]) == "Notes about the trial NCT04012996 were shared with you on Trial Finder"
    text, html = parts(message)
    for body in (one_line(text), as_read(html)):
        assert "Someone who read about a clinical trial on Trial Finder wrote notes about it, chose to share them " in (
            body
        )
        assert "The link opens a page on Trial Finder with their notes" in body
        assert (
            "It is not in this email: the person who shared the notes gives it to you themselves, separately." in body
        )
        assert "Trial Finder never asks for a passcode by email." in body
        # No sentence asks the reader for it, by reply or on a page: the four mentions are the ones above.
        assert not re.search(r"\b(reply|respond|send|enter|type|give)\b[^.:]{0,40}\b(your|the) passcode", body, re.I)
        assert body.lower().count("passcode") == 4, body
    assert "<form" not in html and "<input" not in html
