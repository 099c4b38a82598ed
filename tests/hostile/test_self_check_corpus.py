"""The hostile-input corpus against the self-check form and the answers a contact request can carry: no 5xx, and
a refusal stores nothing."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.hostile.corpus import VALUES, form_body
from tests.hostile.test_corpus import FORM, TRIAL, Probe, contact_fields, short
from tests.self_check.helpers import questions


@pytest.fixture
def probe(app: Flask, import_demo) -> Probe:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    return Probe(app)


def test_the_self_check_form(client: FlaskClient, probe: Probe) -> None:
    item = questions(client, TRIAL)[0][0]
    valid = {"age": "40", "sex": "female", "condition": "condition", item: "yes"}
    for value in VALUES:
        for field in valid:
            body = form_body({**valid, field: value})
            probe.check(
                f"self-check {field}={short(value)}",
                client.post,
                f"/trials/{TRIAL}/self-check",
                data=body,
                content_type=FORM,
            )
        body = form_body({**valid, value: "yes"})
        probe.check(
            f"self-check name {short(value)}", client.post, f"/trials/{TRIAL}/self-check", data=body, content_type=FORM
        )
    probe.assert_clean()


def test_the_answers_attached_to_a_contact_request(client: FlaskClient, probe: Probe) -> None:
    item = questions(client, TRIAL)[0][0]
    valid = contact_fields(client) | {"attach_self_check": "y"}
    for value in VALUES:
        for attached in (value, json.dumps({item: value}), json.dumps({value: "yes"}), json.dumps({"age": value})):
            body = form_body({**valid, "self_check": attached})
            probe.check(
                f"contact self_check={short(attached)}",
                client.post,
                f"/trials/{TRIAL}/contact",
                data=body,
                content_type=FORM,
            )
    probe.assert_clean()
