"""The contact form, validated at the edge with the shared validators (portal.forms) and phonenumbers."""

from __future__ import annotations

from typing import Any

import phonenumbers
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.forms import message_characters, no_control_characters, strip, valid_email
from portal.vocabulary import LANGUAGE_NAMES, LANGUAGES

CONSENT_VERSION = "2026-11-25"
MAX_NAME = 100
MAX_MESSAGE = 1000


class ContactForm(FlaskForm):
    place = StringField(
        _l("Your ZIP code or city"), [Optional(), Length(max=120), no_control_characters], filters=[strip]
    )
    latitude = HiddenField()
    longitude = HiddenField()
    site = SelectField(_l("Study site"), choices=[], validate_choice=False)
    first_name = StringField(
        _l("First name"),
        [DataRequired(_l("Please enter your first name.")), Length(max=MAX_NAME), no_control_characters],
        filters=[strip],
        render_kw={"autocomplete": "given-name"},
    )
    last_name = StringField(
        _l("Last name"),
        [DataRequired(_l("Please enter your last name.")), Length(max=MAX_NAME), no_control_characters],
        filters=[strip],
        render_kw={"autocomplete": "family-name"},
    )
    email = EmailField(
        _l("Email"),
        [DataRequired(_l("Please enter your email address.")), Length(max=254), no_control_characters, valid_email],
        filters=[strip],
        render_kw={"autocomplete": "email"},
    )
    phone = TelField(
        _l("Phone number"),
        [DataRequired(_l("Please enter your phone number.")), Length(max=40), no_control_characters],
        filters=[strip],
        render_kw={"autocomplete": "tel"},
    )
    language = SelectField(
        _l("Preferred language"),
        choices=[SelectChoice("", _l("No preference")), *(SelectChoice(code, name) for code, name in LANGUAGES)],
        validators=[Optional()],
        validate_choice=False,  # checked below, with a plain message
    )
    message = TextAreaField(_l("Message (optional)"), [Optional(), Length(max=MAX_MESSAGE), message_characters])
    consent = BooleanField(
        _l(
            "I agree that these details are shared with the study team at the site I chose, so they can contact me."
            " If the registry gives no address for that site, they go to the study's main contact or to this"
            " website's team, who pass them on."
        ),
        [DataRequired(_l("Please tick this box so we can share your details with the study team."))],
    )
    # "Could this study fit me?" answers: the script (or the self-check's result page) fills in the hidden field;
    # they are read, checked and stored only when this separate box is ticked.
    self_check = HiddenField()
    attach_self_check = BooleanField(
        _l(
            'Also send my answers to "Could this study fit me?" to the study team with this request. They are stored'
            " with the request and shown to the site team."
        ),
    )
    # A field people never see; bots fill in every field they find.
    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})

    def __init__(self, *args: Any, phone_region: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phone_region = phone_region
        self.phone_e164: str | None = None

    def validate_phone(self, field: Any) -> None:
        try:
            number = phonenumbers.parse(field.data or "", self.phone_region)
        except phonenumbers.NumberParseException as exc:
            raise ValidationError(_l("Please enter a phone number we can call, with the area code.")) from exc
        if not phonenumbers.is_valid_number(number):
            raise ValidationError(
                _l(
                    "This phone number does not look right. "
                    "Numbers from another country start with + and the country code."
                )
            )
        self.phone_e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def validate_language(self, field: Any) -> None:
        if field.data and field.data not in LANGUAGE_NAMES:
            raise ValidationError(_l("Please choose a language from the list."))
