"""Control and format characters: refused in one-line fields, line breaks allowed in a message and in conditions."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask
from wtforms.validators import ValidationError

from portal.alerts.forms import parse_conditions
from portal.forms import message_characters, no_control_characters
from portal.validation import has_control_characters

REFUSED_EVERYWHERE = ["\x00", "\t", "\x1b", "\u202e", "\u200b", "\u2028", "\u2029", "\ud800"]


@pytest.mark.parametrize("character", REFUSED_EVERYWHERE + ["\r", "\n"])
def test_one_line_text_refuses_every_control_character(character: str) -> None:
    assert has_control_characters(f"Ann{character}Lee")


@pytest.mark.parametrize("character", REFUSED_EVERYWHERE)
def test_allowed_characters_are_the_only_exception(character: str) -> None:
    assert not has_control_characters("Ann\r\nLee", allowed="\r\n")
    assert has_control_characters(f"Ann\r\n{character}Lee", allowed="\r\n")


def test_ordinary_text_has_none() -> None:
    assert not has_control_characters("José Müller-李, 42\u00a0years 🙂")
    assert not has_control_characters("")


def test_the_form_validators(app: Flask) -> None:
    with app.test_request_context():
        message_characters(None, SimpleNamespace(data="Evenings are best.\r\nThanks"))  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="special characters from your message"):
            message_characters(None, SimpleNamespace(data="Evenings\tare best."))  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="line breaks and special characters"):
            no_control_characters(None, SimpleNamespace(data="Ann\r\nLee"))  # type: ignore[arg-type]


def test_conditions_keep_their_line_breaks_and_nothing_else_invisible(app: Flask) -> None:
    with app.test_request_context():
        assert [c.label for c in parse_conditions("Lupus\r\nasthma")] == ["Lupus", "asthma"]
        with pytest.raises(ValidationError, match="special characters from the conditions"):
            parse_conditions("Lupus\u202easthma")
