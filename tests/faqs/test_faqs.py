"""FAQs live in the database and are edited from the command line."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from portal.extensions import db
from portal.models import Faq


def faq_id(app: Flask, question: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Faq.id).where(Faq.question == question))
        assert found is not None
        return found


def test_seed_adds_the_default_questions_once(runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["faqs", "seed"])
    assert "Added 5 default FAQs." in first.output
    again = runner.invoke(args=["faqs", "seed"])
    assert "all there already" in again.output
    listing = runner.invoke(args=["faqs", "list"]).output
    assert listing.count("(general)") == 5
    assert "What is a clinical trial?" in listing


def test_edit_and_delete_show_on_the_trial_page(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient, import_demo
) -> None:  # type: ignore[no-untyped-def]
    import_demo("NCT06667843")
    runner.invoke(args=["faqs", "seed"])
    question_id = faq_id(app, "How safe are clinical trials?")

    edited = runner.invoke(args=["faqs", "edit", str(question_id), "--answer", "Very carefully watched."])
    assert edited.exit_code == 0
    html = client.get("/trials/NCT06667843").get_data(as_text=True)
    assert "Very carefully watched." in html

    deleted = runner.invoke(args=["faqs", "delete", str(question_id)])
    assert deleted.exit_code == 0
    assert "How safe are clinical trials?" not in client.get("/trials/NCT06667843").get_data(as_text=True)


def test_mistakes_get_clear_messages_and_change_nothing(app: Flask, runner: FlaskCliRunner) -> None:
    unknown_trial = runner.invoke(args=["faqs", "add", "--trial", "NCT00000000", "--question", "Q?", "--answer", "A"])
    assert unknown_trial.exit_code != 0 and "no trial NCT00000000" in unknown_trial.output
    empty = runner.invoke(args=["faqs", "add", "--question", "   ", "--answer", "A"])
    assert empty.exit_code != 0 and "must not be empty" in empty.output
    missing = runner.invoke(args=["faqs", "delete", "999"])
    assert missing.exit_code != 0 and "no FAQ 999" in missing.output
    nothing = runner.invoke(args=["faqs", "edit", "1"])
    assert nothing.exit_code != 0
    with app.app_context():
        assert db.session.scalars(select(Faq)).all() == []
