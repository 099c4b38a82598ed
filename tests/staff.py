"""Staff test helpers: users, site memberships, contact requests at a given time, signing in through the form."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.models import ContactRequest, Site, SiteMembership, Trial, User
from portal.models.base import utcnow
from tests.forms import csrf_token

PASSWORD = "correct horse battery staple"
TRIAL = "NCT04012996"  # 33 US sites, recruiting


def make_user(
    app: Flask, email: str, role: str = "site", site_ids: tuple[int, ...] = (), password: str | None = PASSWORD
) -> int:
    with app.app_context():
        user = User(
            email=email,
            display_name=email.split("@")[0].title(),
            role=role,
            active=True,
            password_hash=hash_password(password) if password else None,
        )
        db.session.add(user)
        db.session.flush()
        for site_id in site_ids:
            db.session.add(SiteMembership(user_id=user.id, site_id=site_id))
        db.session.commit()
        return user.id


def make_request(
    app: Flask,
    site_id: int,
    *,
    first_name: str = "Ada",
    email: str = "ada@example.org",
    created_at: datetime | None = None,
    phone: str = "+13125550142",
    message: str | None = None,
) -> str:
    """A stored contact request, as the contact form leaves it; returns its public id."""
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site is not None
        when = created_at or utcnow()
        request = ContactRequest(
            public_id=secrets.token_urlsafe(16),
            trial_id=site.trial_id,
            site_id=site.id,
            facility_name=site.facility or "",
            first_name=first_name,
            last_name="Lovelace",
            email=email,
            phone=phone,
            language="en",
            message=message,
            consent_at=when,
            consent_version="2026-11-25",
            status="new",
            recipients=["site@example.org"],
            needs_phone_call=False,
            created_at=when,
            updated_at=when,
        )
        db.session.add(request)
        db.session.commit()
        return request.public_id


def site_ids(app: Flask, nct_id: str = TRIAL, count: int = 2) -> list[int]:
    with app.app_context():
        trial_id = db.session.scalar(select(Trial.id).where(Trial.nct_id == nct_id))
        return list(db.session.scalars(select(Site.id).where(Site.trial_id == trial_id).order_by(Site.id).limit(count)))


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, **kwargs: object) -> TestResponse:
    token = csrf_token(client, "/account/sign-in")
    return client.post("/account/sign-in", data={"email": email, "password": password, "csrf_token": token}, **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TwoSites:
    site_a: int
    site_b: int
    alice: int  # member of site A
    bob: int  # member of site B
    request_a: str
    request_b: str


ALICE, BOB = "alice@site-a.example.org", "bob@site-b.example.org"


def two_sites(app: Flask, import_demo) -> TwoSites:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    site_a, site_b = site_ids(app)
    return TwoSites(
        site_a,
        site_b,
        make_user(app, ALICE, site_ids=(site_a,)),
        make_user(app, BOB, site_ids=(site_b,)),
        make_request(app, site_a, first_name="Ada", email="ada@example.org"),
        make_request(app, site_b, first_name="Bea", email="bea@example.org"),
    )
