"""Operator forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.admin.phone import MAX_CALL_NOTE
from portal.forms import no_control_characters, strip, valid_email
from portal.models.user import ADMIN, SITE
from portal.site.forms import PHONE_OUTCOME_LABELS
from portal.validation import has_control_characters


def no_control_characters_but_lines(form: FlaskForm, field: TextAreaField) -> None:
    if field.data and has_control_characters(field.data, allowed="\r\n\t"):
        raise ValidationError(_l("Please remove special characters."))


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        [DataRequired(_l("Please enter an email address.")), Length(max=254), no_control_characters, valid_email],
        filters=[strip],
    )
    display_name = StringField(
        _l("Name"), [DataRequired(_l("Please enter a name.")), Length(max=100), no_control_characters], filters=[strip]
    )
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(SITE, _l("Site team member")), SelectChoice(ADMIN, _l("Portal administrator"))],
    )


class MemberForm(FlaskForm):
    email = EmailField(
        _l("Add a member by email"),
        [DataRequired(_l("Please enter an email address.")), Length(max=254), no_control_characters, valid_email],
        filters=[strip],
    )


class RecipientsForm(FlaskForm):
    emails = StringField(
        _l("Send this site's requests to (comma-separated; empty to use the registry's contacts)"),
        [Optional(), Length(max=2000), no_control_characters],
        filters=[strip],
    )


class ImportForm(FlaskForm):
    file = FileField(_l("ClinicalTrials.gov JSON file"), [FileRequired(_l("Please choose a JSON file."))])


class FaqForm(FlaskForm):
    trial = StringField(
        _l("For one trial (NCT number; empty for every trial)"),
        [Optional(), Length(max=11), no_control_characters],
        filters=[strip],
    )
    question = StringField(
        _l("Question"), [DataRequired(_l("Please write the question.")), Length(max=300)], filters=[strip]
    )
    answer = TextAreaField(_l("Answer"), [DataRequired(_l("Please write the answer.")), Length(max=5000)])


class PhoneOutcomeForm(FlaskForm):
    """One call's outcome. Each request's form has its own prefix, so many sit on one page with unique ids."""

    outcome = RadioField(
        _l("What happened"),
        [InputRequired(_l("Please choose what happened."))],
        choices=[SelectChoice(value, label) for value, label in PHONE_OUTCOME_LABELS.items()],
        validate_choice=True,
    )
    note = TextAreaField(
        _l("Note"),
        [
            DataRequired(_l("Please write a note: who you spoke to, or when to try again.")),
            Length(max=MAX_CALL_NOTE, message=_l("Please keep the note under %(max)d characters.")),
            no_control_characters_but_lines,
        ],
        filters=[strip],
        render_kw={"rows": 2},
    )


class FaqEditForm(FlaskForm):
    """A question's words; which page it is on (one trial's, or every trial's) stays as it was."""

    question = StringField(
        _l("Question"), [DataRequired(_l("Please write the question.")), Length(max=300)], filters=[strip]
    )
    answer = TextAreaField(_l("Answer"), [DataRequired(_l("Please write the answer.")), Length(max=5000)])
