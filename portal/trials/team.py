"""The people behind a trial: its central contacts and overall officials, as the record names them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from portal.models import Trial
from portal.vocabulary import CONTACT_ROLE_LABELS, OPEN_STATUSES, code_label

# Only a plain address becomes a mailto: link; anything else ("info[@]example.org") is shown as text.
_EMAIL_RE = re.compile(r"^[A-Za-z0-9._+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
# A phone number made of digits and the usual separators becomes a tel: link; "1-877-CTLILLY" or "E-mail only"
# is shown as text.
_PHONE_RE = re.compile(r"^[0-9+()（）\s./-]+$")
_MIN_PHONE_DIGITS = 6


@dataclass(frozen=True)
class Person:
    name: str | None
    role: str | None
    affiliation: str | None
    phone: str | None
    phone_ext: str | None
    email: str | None

    @property
    def email_href(self) -> str | None:
        return f"mailto:{self.email}" if self.email and _EMAIL_RE.match(self.email) else None

    @property
    def phone_href(self) -> str | None:
        if not self.phone or not _PHONE_RE.match(self.phone):
            return None
        digits = "".join(ch for ch in self.phone if ch.isascii() and ch.isdigit())
        if len(digits) < _MIN_PHONE_DIGITS:
            return None
        return "tel:" + ("+" if self.phone.lstrip().startswith("+") else "") + digits

    @property
    def reachable(self) -> bool:
        return bool(self.phone or self.email)


@dataclass(frozen=True)
class StudyTeam:
    contacts: tuple[Person, ...]
    officials: tuple[Person, ...]
    # An open trial without the contact form: its central contacts are the way to reach the team.
    reach_out: bool

    @property
    def is_empty(self) -> bool:
        return not (self.contacts or self.officials)


def _text(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key)
    return (value.strip() or None) if isinstance(value, str) else None


def _people(entries: Iterable[Any]) -> tuple[Person, ...]:
    people = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        person = Person(
            name=_text(entry, "name"),
            role=code_label(CONTACT_ROLE_LABELS, _text(entry, "role")),
            affiliation=_text(entry, "affiliation"),
            phone=_text(entry, "phone"),
            phone_ext=_text(entry, "phone_ext"),
            email=_text(entry, "email"),
        )
        if person.name or person.reachable:
            people.append(person)
    return tuple(people)


def study_team(trial: Trial, *, has_contact_form: bool) -> StudyTeam:
    contacts = _people(trial.central_contacts or ())
    officials = _people(trial.overall_officials or ())
    reach_out = trial.overall_status in OPEN_STATUSES and not has_contact_form and any(p.reachable for p in contacts)
    return StudyTeam(contacts, officials, reach_out)
