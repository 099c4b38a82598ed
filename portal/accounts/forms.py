"""Sign-in, password and reset forms."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from portal.accounts.passwords import MAX_LENGTH, PROBLEMS, password_problem
from portal.forms import no_control_characters, strip, valid_email


def strong_password(form: FlaskForm, field: Any) -> None:
    problem = password_problem(field.data or "", email=getattr(form, "email_for_check", None))
    if problem:
        raise ValidationError(PROBLEMS[problem][0])


class SignInForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        [DataRequired(_l("Please enter your email address.")), Length(max=254), no_control_characters],
        filters=[strip],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        [DataRequired(_l("Please enter your password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        [DataRequired(_l("Please choose a password.")), strong_password],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        [DataRequired(_l("Please type the password again.")), EqualTo("password", _l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args: Any, email: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email_for_check = email


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Current password"),
        [DataRequired(_l("Please enter your current password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        [DataRequired(_l("Please enter your email address.")), Length(max=254), no_control_characters, valid_email],
        filters=[strip],
        render_kw={"autocomplete": "username"},
    )
