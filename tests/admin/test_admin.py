"""The operators' area: audit log, users, trials (upload, hide), sites (members, recipients), FAQs, the outbox."""

from __future__ import annotations

import json
from io import BytesIO

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import AuditEvent, OutboxEmail, SiteRecipientOverride, User
from portal.models.audit import AuditLogIsAppendOnly
from portal.models.outbox import FAILED
from tests.conftest import DEMO_TRIALS
from tests.forms import csrf_token
from tests.staff import ALICE, TRIAL, make_user, sign_in, two_sites

ADMIN = "ops@example.org"


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, ADMIN, role="admin")
    sign_in(client, ADMIN)
    return client


def post(client: FlaskClient, page: str, action: str, **data: object):  # type: ignore[no-untyped-def]
    return client.post(action, data={**data, "csrf_token": csrf_token(client, page)})


def test_admins_read_the_audit_log_and_nobody_can_change_it(app: Flask, admin: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    sites = two_sites(app, import_demo)
    alice = app.test_client()
    sign_in(alice, ALICE)
    alice.get(f"/site/requests/{sites.request_a}")
    alice.get("/site/export.csv")
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "viewed" in html and "exported" in html and ALICE in html
    assert "Ada" not in html  # no patient details in the log
    with app.app_context():
        event = db.session.scalar(select(AuditEvent))
        assert event is not None
        event.action = "nothing happened"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        event = db.session.scalar(select(AuditEvent))
        db.session.delete(event)
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()


def test_disabling_a_user_ends_their_sessions(app: Flask, admin: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    sites = two_sites(app, import_demo)
    alice = app.test_client()
    sign_in(alice, ALICE)
    assert alice.get("/site/").status_code == 200
    response = post(admin, "/admin/users", f"/admin/users/{sites.alice}/active", active="0")
    assert response.status_code == 302
    assert alice.get("/site/").status_code == 302
    assert sign_in(app.test_client(), ALICE).status_code == 401
    post(admin, "/admin/users", f"/admin/users/{sites.alice}/active", active="1")
    assert sign_in(app.test_client(), ALICE).status_code == 302


def test_an_admin_cannot_disable_themselves(app: Flask, admin: FlaskClient) -> None:
    with app.app_context():
        me = db.session.scalar(select(User.id).where(User.email == ADMIN))
    post(admin, "/admin/users", f"/admin/users/{me}/active", active="0")
    assert admin.get("/admin/").status_code == 200


def test_hiding_a_trial_takes_it_off_the_public_pages_at_once(
    app: Flask, admin: FlaskClient, client: FlaskClient, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    visitor = app.test_client()
    assert visitor.get(f"/trials/{TRIAL}").status_code == 200  # now cached
    post(admin, "/admin/trials", f"/admin/trials/{TRIAL}/hidden", hidden="1")
    assert visitor.get(f"/trials/{TRIAL}").status_code == 404
    assert TRIAL not in visitor.get("/trials").get_data(as_text=True)
    post(admin, "/admin/trials", f"/admin/trials/{TRIAL}/hidden", hidden="0")
    assert visitor.get(f"/trials/{TRIAL}").status_code == 200


def test_uploading_a_study_file_imports_it_like_the_cli(app: Flask, admin: FlaskClient) -> None:
    data = (DEMO_TRIALS / f"{TRIAL}.json").read_bytes()
    token = csrf_token(admin, "/admin/trials")
    response = admin.post(
        "/admin/trials/import",
        data={"csrf_token": token, "file": (BytesIO(data), f"{TRIAL}.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Import finished: 1 created" in response.get_data(as_text=True)
    assert app.test_client().get(f"/trials/{TRIAL}").status_code == 200
    broken = admin.post(
        "/admin/trials/import",
        data={"csrf_token": csrf_token(admin, "/admin/trials"), "file": (BytesIO(b"{nope"), "x.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "not valid JSON" in broken.get_data(as_text=True)


def test_an_upload_over_the_limit_is_refused(app: Flask, admin: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "ADMIN_UPLOAD_MAX_BYTES", 1000)
    token = csrf_token(admin, "/admin/trials")
    response = admin.post(
        "/admin/trials/import",
        data={"csrf_token": token, "file": (BytesIO(json.dumps({"x": "y" * 5000}).encode()), "a.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


def test_an_upload_larger_than_other_requests_may_be_still_imports(app: Flask, admin: FlaskClient) -> None:
    """Every other body stops at MAX_REQUEST_BYTES (1 MiB); the upload has ADMIN_UPLOAD_MAX_BYTES (20 MiB)."""
    studies = [json.loads(path.read_text()) for path in sorted(DEMO_TRIALS.glob("NCT*.json"))]
    data = json.dumps(studies).encode()
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    response = admin.post(
        "/admin/trials/import",
        data={"csrf_token": csrf_token(admin, "/admin/trials"), "file": (BytesIO(data), "studies.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert f"Import finished: {len(studies)} created" in response.get_data(as_text=True)


def test_site_members_and_recipients(app: Flask, admin: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    sites = two_sites(app, import_demo)
    page = f"/admin/trials/{TRIAL}/sites"
    assert post(admin, page, f"/admin/sites/{sites.site_b}/members", email=ALICE).status_code == 302
    alice = app.test_client()
    sign_in(alice, ALICE)
    assert "Bea" in alice.get("/site/").get_data(as_text=True)
    unknown = post(admin, page, f"/admin/sites/{sites.site_b}/members", email="nobody@example.org")
    assert unknown.status_code == 422 and "Invite them first" in unknown.get_data(as_text=True)
    post(admin, page, f"/admin/sites/{sites.site_b}/members/{sites.alice}/remove")
    assert "Bea" not in alice.get("/site/").get_data(as_text=True)

    assert post(admin, page, f"/admin/sites/{sites.site_a}/recipients", emails="a@x.org, B@x.org").status_code == 302
    with app.app_context():
        override = db.session.scalar(select(SiteRecipientOverride))
        assert override is not None and override.emails == ["a@x.org", "B@x.org"]
    bad = post(admin, page, f"/admin/sites/{sites.site_a}/recipients", emails="a@x.org, not-an-address")
    assert bad.status_code == 422 and "not a valid email address" in bad.get_data(as_text=True)
    post(admin, page, f"/admin/sites/{sites.site_a}/recipients", emails="")
    with app.app_context():
        assert db.session.scalar(select(SiteRecipientOverride)) is None


def test_faqs_global_and_per_trial(app: Flask, admin: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(TRIAL)
    post(admin, "/admin/faqs", "/admin/faqs", trial="", question="Is it free?", answer="Yes.")
    post(admin, "/admin/faqs", "/admin/faqs", trial=TRIAL, question="Where do I park?", answer="Lot B.")
    page = app.test_client().get(f"/trials/{TRIAL}").get_data(as_text=True)
    assert "Is it free?" in page and "Where do I park?" in page
    unknown = post(admin, "/admin/faqs", "/admin/faqs", trial="NCT99999999", question="Q?", answer="A.")
    assert unknown.status_code == 422
    html = admin.get("/admin/faqs").get_data(as_text=True)
    faq_id = html.split("/admin/faqs/")[1].split("/delete")[0]
    post(admin, "/admin/faqs", f"/admin/faqs/{faq_id}/delete")
    assert "Is it free?" not in app.test_client().get(f"/trials/{TRIAL}").get_data(as_text=True)


def test_the_outbox_shows_failed_mail_and_retries_it(app: Flask, admin: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    post(admin, "/admin/users", "/admin/users", email="new@example.org", display_name="New", role="site")
    admin.get("/admin/users")  # shows (and uses up) the "invitation sent" message
    with app.app_context():
        db.session.execute(update(OutboxEmail).values(status=FAILED, attempts=5, last_error="550 mailbox full"))
        db.session.commit()
    html = admin.get("/admin/outbox").get_data(as_text=True)
    assert "Failed: 1." in html and "550 mailbox full" in html and "account_invitation" in html
    assert "new@example.org" not in html  # no addresses or contents
    post(admin, "/admin/outbox", "/admin/outbox/retry")
    with app.app_context():
        assert db.session.scalar(select(OutboxEmail.status)) == "pending"
