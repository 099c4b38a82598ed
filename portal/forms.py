"""Form validators and messages every feature shares: stripping, control characters, email addresses, places."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from portal.validation import has_control_characters, normalised_email


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def no_control_characters(form: FlaskForm, field: Any) -> None:
    if field.data and has_control_characters(field.data):
        raise ValidationError(_l("Please remove line breaks and special characters."))


def message_characters(form: FlaskForm, field: Any) -> None:
    """The message may have line breaks, nothing else invisible."""
    if field.data and has_control_characters(field.data, allowed="\r\n"):
        raise ValidationError(_l("Please remove special characters from your message."))


def valid_email(form: FlaskForm, field: Any) -> None:
    try:
        field.data = normalised_email(field.data or "")
    except EmailNotValidError as exc:
        raise ValidationError(_l("Please enter a valid email address, like name@example.com.")) from exc


def did_you_mean_place(label: str) -> str:
    """What the contact and alerts forms ask when a place name finds only a small place abroad
    (portal.geo.look_up_place)."""
    return gettext(
        "Did you mean %(place)s? It is the only place we know with this name. Type “%(place)s” to use it, "
        "or add your state or country to find another.",
        place=label,
    )
