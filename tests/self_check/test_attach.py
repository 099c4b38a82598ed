"""Attaching the self-check answers to a contact request: only with its own box ticked, read strictly, shown to the
site team in the email and the site area, and erased with the request."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from portal.extensions import db
from portal.mail.outbox import deliver_due
from portal.models import ContactRequest, OutboxEmail
from tests.conftest import SmtpServer
from tests.contact.helpers import field_errors, post_contact, stored_request
from tests.forms import csrf_token
from tests.self_check.helpers import OPEN_TRIAL, questions
from tests.staff import make_user, sign_in
from tests.trials.test_page_truth import visible


def answers_for(client: FlaskClient) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    asked = questions(client, OPEN_TRIAL)
    inclusion = [q for q in asked if q[1] == "inclusion"]
    exclusion = [q for q in asked if q[1] == "exclusion"]
    answers = {"age": "47", "sex": "female", inclusion[0][0]: "yes", exclusion[1][0]: "not-sure"}
    return answers, [inclusion[0], exclusion[1]]


def counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(ContactRequest)) or 0,
            db.session.scalar(select(func.count()).select_from(OutboxEmail)) or 0,
        )


def test_without_the_box_ticked_nothing_is_attached(app: Flask, client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(OPEN_TRIAL)
    answers, _asked = answers_for(client)
    response = post_contact(client, OPEN_TRIAL, self_check=json.dumps(answers))  # the box left unticked
    assert response.status_code == 302
    assert "were attached" not in client.get(response.headers["Location"]).get_data(as_text=True)
    request = stored_request(app)
    assert request.self_check_answers is None
    with app.app_context():
        bodies = " ".join(db.session.scalars(select(OutboxEmail.body_text)))
    assert "Could this study fit me?" not in bodies and "47" not in bodies


def test_the_box_ticked_without_answers_is_explained_beside_it(app: Flask, client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(OPEN_TRIAL)
    response = post_contact(client, OPEN_TRIAL, attach_self_check="y", self_check="")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True))["attach_self_check"].startswith(
        "There are no answers to send yet."
    )
    assert counts(app) == (0, 0)


def test_with_the_box_the_site_team_sees_each_answer_beside_its_question(
    app: Flask, client: FlaskClient, import_demo, smtp_server: SmtpServer
) -> None:  # type: ignore[no-untyped-def]
    import_demo(OPEN_TRIAL)
    answers, (inclusion, exclusion) = answers_for(client)
    response = post_contact(client, OPEN_TRIAL, attach_self_check="y", self_check=json.dumps(answers))
    assert response.status_code == 302
    sent = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'Your answers to "Could this study fit me?" were attached' in sent
    request = stored_request(app)
    assert request.self_check_answers is not None
    assert [(row["kind"], row["answer"]) for row in request.self_check_answers] == [
        ("age", "47"),
        ("sex", "female"),
        ("inclusion", "yes"),
        ("exclusion", "not-sure"),
    ]

    with app.app_context():
        deliver_due(db.session)
    to_site = [m for m in smtp_server.messages if request.email not in m["To"]]
    assert len(to_site) == 1
    to_patient = [m for m in smtp_server.messages if request.email in m["To"]]
    assert len(to_patient) == 1
    for part in ("plain", "html"):
        copy = to_patient[0].get_body((part,)).get_content()
        assert "were attached, so the study team can see them with your request." in " ".join(copy.split())
    text = to_site[0].get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = to_site[0].get_body(("html",)).get_content()
    assert 'The person chose to attach their answers to "Could this study fit me?"' in text
    assert f"Inclusion criterion: {inclusion[2]}" in text.replace("\n  ", " ")
    assert re.search(r"- Age in years\n  Answer: 47\n", text)
    assert re.search(r"Exclusion criterion: .*\n  Answer: Not sure\n\nThe person agreed", text)
    assert "<td>Sex, as the study defines it</td><td>Female</td>" in html

    make_user(app, "alice@site.example.org", site_ids=(request.site_id,))
    staff = app.test_client()
    sign_in(staff, "alice@site.example.org")
    page = visible(staff.get(f"/site/requests/{request.public_id}").get_data(as_text=True))
    assert 'Their answers to "Could this study fit me?"' in page
    assert f"Inclusion criterion: {inclusion[2]} Yes" in page
    assert f"Exclusion criterion: {exclusion[2]} Not sure" in page
    assert "Age in years 47" in page


@pytest.mark.parametrize(
    "value",
    [
        '{"in1-00000000": "yes"}',  # a question this trial does not ask
        '{"sex": "whatever"}',
        '{"age": "300"}',
        '["yes"]',
        '{"age": {"nested": 1}}',
        "{" + '"a": "yes",' * 3000 + "}",
        "not json",
        '{"sex": "female\\u0000"}',
    ],
)
def test_hostile_answers_are_refused_and_nothing_is_stored(
    app: Flask, client: FlaskClient, import_demo, value: str
) -> None:  # type: ignore[no-untyped-def]
    import_demo(OPEN_TRIAL)
    response = post_contact(client, OPEN_TRIAL, attach_self_check="y", self_check=value)
    assert 400 <= response.status_code < 500
    assert counts(app) == (0, 0)


def test_answers_from_the_result_page_come_to_the_contact_form_without_javascript(
    app: Flask, client: FlaskClient, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(OPEN_TRIAL)
    answers, _asked = answers_for(client)
    result = client.post(f"/trials/{OPEN_TRIAL}/self-check", data=answers).get_data(as_text=True)
    carried = re.search(r'<input type="hidden" name="self_check" value="([^"]+)">', result)
    assert carried is not None
    token = csrf_token(client, f"/trials/{OPEN_TRIAL}")
    value = carried.group(1).replace("&#34;", '"')
    page = client.post(
        f"/trials/{OPEN_TRIAL}/contact", data={"action": "locate", "csrf_token": token, "self_check": value}
    ).get_data(as_text=True)
    assert "are ready to attach, if you tick the box above" in page
    assert 'id="attach_self_check" name="attach_self_check" type="checkbox" value="y">' in page  # still unticked
    assert counts(app) == (0, 0)


def test_erasing_the_person_erases_their_answers(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(OPEN_TRIAL)
    answers, (inclusion, _exclusion) = answers_for(client)
    post_contact(
        client, OPEN_TRIAL, attach_self_check="y", self_check=json.dumps(answers), email="erase.me@example.org"
    )
    assert stored_request(app).self_check_answers
    result = runner.invoke(args=["privacy", "erase", "erase.me@example.org"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ContactRequest)) == 0
        bodies = " ".join(db.session.scalars(select(OutboxEmail.body_text)))
    assert inclusion[2][:30] not in bodies
