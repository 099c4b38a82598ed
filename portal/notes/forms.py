"""The passcode form on a shared-notes link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.notes.passcodes import MAX_PASSCODE_LENGTH


class PasscodeForm(FlaskForm):
    passcode = StringField(
        _l("Passcode"),
        [DataRequired(_l("Please enter the passcode you were given.")), Length(max=MAX_PASSCODE_LENGTH)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
