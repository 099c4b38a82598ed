"""Plain-summary test helpers: the people (an operator, members of the trial's sites, a member of another trial's
site) and writing a summary through the real form."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.forms import csrf_token
from tests.staff import TRIAL, make_user, site_ids

OTHER_TRIAL = "NCT00712335"  # one site, a different trial
OPS, ALICE, CAROL = "ops@portal.example.org", "alice@site-a.example.org", "carol@other.example.org"
EDITOR = f"/site/trials/{TRIAL}/plain-summary"
PLAIN = (
    "We want to find out if a new neck disc works as well as one doctors use now.\n\n"
    "- You have surgery to put in two new discs.\n"
    "- You come back for check-ups for two years.\n"
)


@dataclass(frozen=True)
class People:
    site_a: int
    other_site: int


def people(app: Flask, import_demo) -> People:  # type: ignore[no-untyped-def]
    import_demo(TRIAL, OTHER_TRIAL)
    site_a = site_ids(app, TRIAL, 1)[0]
    other_site = site_ids(app, OTHER_TRIAL, 1)[0]
    make_user(app, OPS, role="admin")
    make_user(app, ALICE, site_ids=(site_a,))
    make_user(app, CAROL, site_ids=(other_site,))
    return People(site_a, other_site)


def post_summary(client: FlaskClient, text: str, action: str = "save", path: str = EDITOR) -> TestResponse:
    token = csrf_token(client, path)
    return client.post(path, data={"markdown": text, "action": action, "csrf_token": token})
