"""Past every form's checks, the database layer refuses NUL and lone surrogates the same way on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, request
from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.models import Faq
from portal.validation import UnstorableInput


@pytest.mark.parametrize("value", ["a\x00b", "x\ud800y"])
def test_the_database_layer_refuses_what_it_cannot_store(app_ctx: Flask, value: str) -> None:
    db.session.add(Faq(question=value, answer="An answer.", position=1))
    with pytest.raises(UnstorableInput):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Faq)) == 0  # SQLite, too, kept nothing


@pytest.fixture
def raw_app(app: Flask) -> Iterator[Flask]:
    """An app with one route that stores what it is sent, unchecked, as a forgotten form would."""
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "OUTBOX_DELIVERY": "manual", "WTF_CSRF_ENABLED": False})  # fmt: skip

    @other.post("/test-only/faq")
    def store() -> tuple[str, int]:
        db.session.add(Faq(question=request.form["question"], answer="An answer.", position=1))
        db.session.commit()
        return "stored", 201

    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_request_that_reaches_the_database_with_a_nul_gets_a_400_and_stores_nothing(raw_app: Flask) -> None:
    client = raw_app.test_client()
    response = client.post("/test-only/faq", data={"question": "a\x00b"})
    assert response.status_code == 400
    assert "a character we cannot accept" in response.get_data(as_text=True)
    assert client.post("/test-only/faq", data={"question": "fine"}).status_code == 201
    with raw_app.app_context():
        assert db.session.scalars(select(Faq.question)).all() == ["fine"]
