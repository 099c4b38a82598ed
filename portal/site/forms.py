"""Forms of the site team area: list filters, status, note, first response, a trial's plain summary."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from portal.models.contact import (
    CONTACT_STATUSES,
    OUTCOME_NOT_REACHED,
    OUTCOME_NOT_TAKING_PART,
    OUTCOME_PASSED_ON,
)
from portal.site.services import MAX_NOTE
from portal.site.summaries import MAX_SUMMARY
from portal.validation import has_control_characters

STATUS_LABELS = {
    "new": _l("New"),
    "contacted": _l("Contacted"),
    "pre-screening": _l("Pre-screening"),
    "scheduled": _l("Scheduled"),
    "enrolled": _l("Enrolled"),
    "not eligible": _l("Not eligible"),
    "unreachable": _l("Unreachable"),
    "withdrawn": _l("Withdrawn"),
}

# What the portal team's call to a site achieved (portal.models.contact's OUTCOME_*), shown in a request's history.
PHONE_OUTCOME_LABELS = {
    OUTCOME_PASSED_ON: _l("Passed on"),
    OUTCOME_NOT_REACHED: _l("Could not reach"),
    OUTCOME_NOT_TAKING_PART: _l("Site not taking part"),
}


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("Any status"))] + [SelectChoice(s, STATUS_LABELS[s]) for s in CONTACT_STATUSES],
        default="",
    )
    # Checked against the user's own sites in the view: another site's id is a 404, not a form error.
    trial = SelectField(_l("Trial"), choices=[], validate_choice=False, default="")
    site = SelectField(_l("Site"), choices=[], validate_choice=False, default="")
    # The choices are named in the page's language (the view fills them in).
    language = SelectField(_l("Preferred language"), choices=[], default="")
    # Plain text fields: a browser's date picker shows the date in its own order (11/01/2026), and the hint
    # beside the field must show the same form the field does.
    date_from = DateField(
        _l("Received from"),
        [Optional()],
        widget=TextInput(),
        render_kw={"placeholder": "YYYY-MM-DD", "inputmode": "numeric", "autocomplete": "off"},
    )
    date_to = DateField(
        _l("Received until"),
        [Optional()],
        widget=TextInput(),
        render_kw={"placeholder": "YYYY-MM-DD", "inputmode": "numeric", "autocomplete": "off"},
    )

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("This date is before the first one."))


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(s, STATUS_LABELS[s]) for s in CONTACT_STATUSES])


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("Internal note"),
        [DataRequired(_l("Please write the note.")), Length(max=MAX_NOTE)],
    )


class FirstResponseForm(FlaskForm):
    # In the site's own time zone; the view names the zone in the label. A text field, like the date filters, so
    # the field shows 2026-11-25 14:30 just as its hint does.
    responded_at = DateTimeLocalField(
        _l("When the team first reached the person"),
        [DataRequired(_l("Please give the date and time, like 2026-11-25 14:30."))],
        format=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"],
        widget=TextInput(),
        render_kw={"placeholder": "YYYY-MM-DD HH:MM", "autocomplete": "off"},
    )


def summary_characters(form: FlaskForm, field: TextAreaField) -> None:
    """Markdown may have line breaks and tabs, nothing else invisible (a NUL, a right-to-left override)."""
    if field.data and has_control_characters(field.data, allowed="\r\n\t"):
        raise ValidationError(_l("Please remove special characters from the summary."))


class PlainSummaryForm(FlaskForm):
    markdown = TextAreaField(
        _l("In plain words"),
        [
            DataRequired(_l("Please write the summary.")),
            Length(max=MAX_SUMMARY, message=_l("Please keep the summary under %(max)d characters.")),
            summary_characters,
        ],
        render_kw={"rows": 14},
    )
    # Two buttons: "Preview" shows the text and its reading grade and stores nothing; "Save" publishes it.
    action = SelectField(choices=[SelectChoice("preview"), SelectChoice("save")], default="preview")
