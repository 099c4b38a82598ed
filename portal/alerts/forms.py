"""Sign-up and preference forms, validated at the edge: the address, the conditions, the place and the radius."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.alerts.services import IMMEDIATE, WEEKLY, Preferences
from portal.ctgov.terms import normalise_term
from portal.forms import did_you_mean_place, no_control_characters, strip, valid_email
from portal.geo import KM_PER_MILE, Place, PlaceLookup, look_up_place
from portal.i18n import current_locale
from portal.validation import has_control_characters
from portal.vocabulary import LANGUAGE_NAMES, LANGUAGES, UI_LOCALE_LANGUAGE

MAX_CONDITIONS = 10
MAX_CONDITION_LENGTH = 100
ANYWHERE = "anywhere"
RADII = ("10", "25", "50", "100", "250", "500")
UNITS = ("mi", "km")


@dataclass(frozen=True)
class Condition:
    label: str
    phrase: str


def parse_conditions(text: str) -> list[Condition]:
    """One condition per line (commas separate too). Raises ValidationError with a message for the person."""
    if has_control_characters(text, allowed="\r\n"):
        raise ValidationError(_l("Please remove special characters from the conditions."))
    if len(text) > MAX_CONDITIONS * (MAX_CONDITION_LENGTH + 2):
        raise ValidationError(_l("Please enter at most %(count)d conditions.", count=MAX_CONDITIONS))
    labels = [" ".join(part.split()) for line in text.splitlines() for part in line.split(",")]
    labels = [label for label in labels if label]
    if not labels:
        raise ValidationError(_l("Please enter at least one condition, for example “asthma”."))
    if len(labels) > MAX_CONDITIONS:
        raise ValidationError(_l("Please enter at most %(count)d conditions.", count=MAX_CONDITIONS))
    found: dict[str, Condition] = {}
    for label in labels:
        if len(label) > MAX_CONDITION_LENGTH:
            raise ValidationError(
                _l("Each condition can be at most %(count)d characters long.", count=MAX_CONDITION_LENGTH)
            )
        phrase = normalise_term(label)
        if not phrase:
            raise ValidationError(_l("“%(text)s” is not a condition we can look for.", text=label))
        found.setdefault(phrase, Condition(label, phrase))
    return list(found.values())


class PreferencesForm(FlaskForm):
    conditions = TextAreaField(
        _l("Conditions you want to hear about"),
        [DataRequired(_l("Please enter at least one condition, for example “asthma”."))],
        description=_l("One per line, for example “breast cancer” or “type 2 diabetes”."),
    )
    place = StringField(
        _l("Your ZIP code or city"),
        # Not Optional(): that would skip validate_place, which decides if a place is needed.
        [Length(max=120, message=_l("Please enter a shorter place name.")), no_control_characters],
        filters=[strip],
        render_kw={"autocomplete": "postal-code"},
    )
    radius = SelectField(
        _l("How far can you travel?"),
        choices=[
            *(SelectChoice(value, value) for value in RADII),
            SelectChoice(ANYWHERE, _l("Anywhere (no distance limit)")),
        ],
        default="50",
        validate_choice=False,  # checked below, with a plain message
    )
    unit = SelectField(
        _l("Distance unit"),
        choices=[SelectChoice("mi", _l("miles")), SelectChoice("km", _l("kilometres"))],
        default="mi",
        validate_choice=False,
    )
    language = SelectField(
        _l("Language for your emails"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES],
        # The language they are reading the portal in, until they choose another.
        default=lambda: UI_LOCALE_LANGUAGE.get(current_locale(), "en"),
        validate_choice=False,
    )
    frequency = RadioField(
        _l("How often should we email you?"),
        choices=[
            SelectChoice(IMMEDIATE, _l("As soon as a new trial fits")),
            SelectChoice(WEEKLY, _l("Once a week, with all new trials that fit")),
        ],
        default=IMMEDIATE,
        validate_choice=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.condition_list: list[Condition] = []
        self.resolved_place: Place | None = None
        self.place_lookup: PlaceLookup | None = None

    def validate_conditions(self, field: Any) -> None:
        self.condition_list = parse_conditions(field.data or "")

    def validate_radius(self, field: Any) -> None:
        if field.data not in (*RADII, ANYWHERE):
            raise ValidationError(_l("Please choose a distance from the list."))

    def validate_unit(self, field: Any) -> None:
        if field.data not in UNITS:
            raise ValidationError(_l("Please choose miles or kilometres."))

    def validate_language(self, field: Any) -> None:
        if field.data not in LANGUAGE_NAMES:
            raise ValidationError(_l("Please choose a language from the list."))

    def validate_frequency(self, field: Any) -> None:
        if field.data not in (IMMEDIATE, WEEKLY):
            raise ValidationError(_l("Please choose how often we should email you."))

    def validate_place(self, field: Any) -> None:
        if self.radius.data == ANYWHERE or self.radius.data not in RADII:
            return
        if not field.data:
            raise ValidationError(_l("Please enter your ZIP code or city, or choose “Anywhere” as the distance."))
        self.place_lookup = look_up_place(field.data)
        self.resolved_place = self.place_lookup.place
        if (suggestion := self.place_lookup.suggestion) is not None:
            raise ValidationError(did_you_mean_place(suggestion.label))
        if self.resolved_place is None:
            raise ValidationError(
                _l("We could not find that place. Try a 5-digit US ZIP code or a city, like “Lyon, France”.")
            )

    def preferences(self) -> Preferences:
        """Call after validate(): what the person chose, in the units matching works in."""
        radius_km = None
        if self.radius.data != ANYWHERE:
            radius = float(self.radius.data)
            radius_km = radius * KM_PER_MILE if self.unit.data == "mi" else radius
        return Preferences(
            conditions=[(c.label, c.phrase) for c in self.condition_list],
            place=self.resolved_place if radius_km is not None else None,
            place_query=self.place.data if radius_km is not None else None,
            radius_km=radius_km,
            unit=self.unit.data,
            language=self.language.data,
            frequency=self.frequency.data,
            ui_locale=current_locale(),
        )


class SignupForm(PreferencesForm):
    email = EmailField(
        _l("Email address"),
        [DataRequired(_l("Please enter your email address.")), Length(max=254), no_control_characters, valid_email],
        filters=[strip],
        render_kw={"autocomplete": "email"},
    )
    # A field people never see; bots fill in every field they find.
    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})


class ManageForm(PreferencesForm):
    """The same choices, for a confirmed subscriber, reached through the link in every email."""
