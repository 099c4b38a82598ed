"""CSV export of a team's requests, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from portal.models import ContactRequest
from portal.site.services import response_time
from portal.vocabulary import preferred_language_name

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    "received_at_utc",
    "trial",
    "trial_title",
    "site",
    "city",
    "first_name",
    "last_name",
    "email",
    "phone",
    "language",
    "message",
    "status",
    "first_response_at_utc",
    "response_time_hours",
)


def neutralise(value: object) -> str:
    """Text a spreadsheet shows as text: a leading apostrophe before anything that could start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _row(contact: ContactRequest) -> list[str]:
    elapsed = response_time(contact)
    values: list[object] = [
        contact.created_at.strftime("%Y-%m-%d %H:%M"),
        contact.trial.nct_id,
        contact.trial.brief_title,
        contact.facility_name,
        contact.site.city if contact.site else "",
        contact.first_name,
        contact.last_name,
        contact.email,
        contact.phone,
        preferred_language_name(contact.language, contact.ui_locale) or "",
        contact.message,
        contact.status,
        contact.first_response_at.strftime("%Y-%m-%d %H:%M") if contact.first_response_at else "",
        f"{elapsed.total_seconds() / 3600:.1f}" if elapsed is not None else "",
    ]
    return [neutralise(v) for v in values]


def requests_csv(requests: Iterable[ContactRequest]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for contact in requests:
        writer.writerow(_row(contact))
    return buffer.getvalue()
