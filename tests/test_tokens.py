"""Link and session tokens are stored as their SHA-256: changing the hash would end every session and link."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.sessions import start_session
from portal.extensions import db
from portal.models import NoteShare, User, UserSession
from portal.tokens import token_hash
from tests.notes.helpers import link_path, share
from tests.staff import make_user


def test_token_hash_is_the_hex_sha256_of_the_utf8_bytes() -> None:
    assert token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    # What `printf TOKEN | sha256sum` prints, for a token shaped like ours (and a non-ASCII one, as UTF-8).
    assert token_hash("Zm9vYmFyLWxpbmstdG9rZW4") == "6fa029454a82566030885e2c85e35bd79ace0052cd0d78df2a0abaef59b09062"
    assert token_hash("é") == "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c"


def test_a_sign_in_session_is_stored_by_its_hash(app: Flask) -> None:
    user_id = make_user(app, "sam@site.example.org")
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        token = start_session(db.session, user)
        stored = db.session.scalars(select(UserSession.token_hash)).one()
        db.session.rollback()
    assert stored == token_hash(token) and token not in stored


def test_a_notes_share_is_stored_by_the_hashes_of_its_tokens(app: Flask, client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT04012996")
    body = share(client).get_json()
    with app.app_context():
        stored = db.session.scalars(select(NoteShare)).one()
        assert stored.token_hash == token_hash(link_path(body["url"]).rsplit("/", 1)[1])
        assert stored.owner_token_hash == token_hash(body["owner_token"])
