"""Access control: a member of site A reaches nothing of site B's, in every route; strangers reach nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.forms import csrf_token
from tests.staff import ALICE, BOB, TwoSites, make_user, sign_in, two_sites


@pytest.fixture
def sites(app: Flask, import_demo) -> TwoSites:  # type: ignore[no-untyped-def]
    return two_sites(app, import_demo)


def test_the_list_shows_only_the_members_own_site(client: FlaskClient, sites: TwoSites) -> None:
    sign_in(client, ALICE)
    html = client.get("/site/").get_data(as_text=True)
    assert "Ada" in html and "Bea" not in html
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/site/")})
    sign_in(client, BOB)
    html = client.get("/site/").get_data(as_text=True)
    assert "Bea" in html and "Ada" not in html


def test_another_sites_request_page_is_not_found(client: FlaskClient, sites: TwoSites) -> None:
    sign_in(client, ALICE)
    assert client.get(f"/site/requests/{sites.request_a}").status_code == 200
    response = client.get(f"/site/requests/{sites.request_b}")
    assert response.status_code == 404
    assert "Bea" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("status", {"status": "contacted"}),
        ("notes", {"note": "Called, no answer."}),
        ("first-response", {"responded_at": "2026-01-01T10:00"}),
    ],
)
def test_changing_another_sites_request_is_not_found_and_changes_nothing(
    client: FlaskClient, app: Flask, sites: TwoSites, action: str, data: dict[str, str]
) -> None:
    sign_in(client, ALICE)
    token = csrf_token(client, f"/site/requests/{sites.request_a}")
    response = client.post(f"/site/requests/{sites.request_b}/{action}", data={**data, "csrf_token": token})
    assert response.status_code == 404
    client.post("/account/sign-out", data={"csrf_token": token})
    sign_in(client, BOB)
    html = client.get(f"/site/requests/{sites.request_b}").get_data(as_text=True)
    assert "Nothing yet." in html  # no history: nothing happened to Bob's request


def test_exporting_another_sites_requests_is_not_found(client: FlaskClient, sites: TwoSites) -> None:
    sign_in(client, ALICE)
    assert client.get(f"/site/export.csv?site={sites.site_a}").status_code == 200
    assert client.get(f"/site/export.csv?site={sites.site_b}").status_code == 404
    assert client.get(f"/site/?site={sites.site_b}").status_code == 404
    unfiltered = client.get("/site/export.csv").get_data(as_text=True)
    assert "Ada" in unfiltered and "Bea" not in unfiltered


def test_a_member_of_no_site_sees_no_requests(client: FlaskClient, app: Flask, sites: TwoSites) -> None:
    make_user(app, "carol@example.org")
    sign_in(client, "carol@example.org")
    html = client.get("/site/").get_data(as_text=True)
    assert "not a member of any study site" in html
    assert client.get(f"/site/requests/{sites.request_a}").status_code == 404
    assert "Ada" not in client.get("/site/export.csv").get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/site/", "/site/export.csv", "/site/requests/{a}", "/admin/", "/admin/users", "/admin/audit"]
)
def test_anonymous_visitors_are_sent_to_sign_in_and_brought_back(
    client: FlaskClient, sites: TwoSites, path: str
) -> None:
    target = path.format(a=sites.request_a)
    response = client.get(target)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in?next=")
    signed_in = sign_in(client, ALICE if "site" in path else BOB)
    assert signed_in.status_code == 302


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/"),
        ("get", "/admin/users"),
        ("get", "/admin/audit"),
        ("get", "/admin/outbox"),
        ("get", "/admin/trials"),
        ("get", "/admin/faqs"),
        ("post", "/admin/outbox/retry"),
    ],
)
def test_the_admin_area_does_not_exist_for_site_members(
    client: FlaskClient, sites: TwoSites, method: str, path: str
) -> None:
    sign_in(client, ALICE)
    token = csrf_token(client, "/site/")
    response = client.get(path) if method == "get" else client.post(path, data={"csrf_token": token})
    assert response.status_code == 404


def test_the_site_email_link_leads_through_sign_in_to_the_request(client: FlaskClient, sites: TwoSites) -> None:
    page = f"/site/requests/{sites.request_a}"
    login = client.get(page).headers["Location"]
    token = csrf_token(client, login)
    response = client.post(
        "/account/sign-in",
        data={"email": ALICE, "password": "correct horse battery staple", "csrf_token": token, "next": page},
    )
    assert response.headers["Location"] == page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_sign_in_never_sends_people_to_another_site(client: FlaskClient, sites: TwoSites, target: str) -> None:
    token = csrf_token(client, "/account/sign-in")
    response = client.post(
        "/account/sign-in",
        data={"email": ALICE, "password": "correct horse battery staple", "csrf_token": token, "next": target},
    )
    assert response.headers["Location"] == "/site/"
