"""Turn one ClinicalTrials.gov API v2 study object into plain values for our tables."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from portal import jsontext
from portal.ctgov.ages import AgeError, parse_age
from portal.ctgov.terms import trial_phrases

NCT_ID_RE = re.compile(r"^NCT\d{8}$")
_PARTIAL_DATE_RE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


class RecordError(ValueError):
    """A record we cannot import; the message says why in one line."""


@dataclass
class SiteData:
    site_key: str
    position: int
    facility: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None
    status: str | None
    latitude: float | None
    longitude: float | None
    contacts: list[dict[str, Any]]

    def as_row(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class TrialData:
    nct_id: str
    content_hash: str
    raw: dict[str, Any]
    columns: dict[str, Any]
    conditions: list[str] = field(default_factory=list)
    sites: list[SiteData] = field(default_factory=list)
    # Normalised phrase -> the condition, keyword or MeSH term it came from.
    terms: dict[str, str] = field(default_factory=dict)
    # `raw` as canonical JSON text, when the content hash was worked out from it (the bulk writer stores it).
    raw_json: str | None = None

    @property
    def last_update_posted_on(self) -> date | None:
        return self.columns["last_update_posted_on"]


# Bump when the importer derives something new from records: the same records then count as changed once,
# so a re-import fills the new columns or tables for trials imported before.
# (Not bumped for `eligibility_given`: its migration fills it from the records as imported, trials.raw.)
NORMALISER_VERSION = "2"  # 2: trial terms


# The modules every complete record has: see missing_modules.
ALWAYS_GIVEN_MODULES = (
    "identificationModule",
    "statusModule",
    "sponsorCollaboratorsModule",
    "descriptionModule",
    "conditionsModule",
    "designModule",
    "eligibilityModule",
)


def given_modules(study: dict[str, Any]) -> frozenset[str]:
    """The protocolSection modules a record gives (present and not empty)."""
    protocol = study.get("protocolSection")
    if not isinstance(protocol, dict):
        return frozenset()
    return frozenset(name for name, module in protocol.items() if isinstance(module, dict) and module)


def missing_modules(study: dict[str, Any]) -> tuple[str, ...]:
    """The ALWAYS_GIVEN_MODULES a copy of a record leaves out: any at all make it an incomplete copy.

    ClinicalTrials.gov asks every registration for a title, a status, a lead sponsor, a brief summary, the
    conditions, the study type and who can take part, and its API leaves out only empty modules: a copy without
    one of these seven lost it on the way, as the partial-field export of 427 Duchenne records in
    tests/data/ctgov-bulk (dgarzon11) did, which keeps identification, status, sponsor, conditions and design only.
    All 891 complete records in the repository have the seven. Modules that real complete records go without are
    not on the list: contactsLocationsModule (16 of the 891, completed, suspended, withdrawn, not yet recruiting
    or unknown-status studies that list no site or contact), armsInterventionsModule (observational and older
    studies), outcomesModule (older studies), and the optional oversight, references and IPD sharing modules.
    """
    given = given_modules(study)
    return tuple(name for name in ALWAYS_GIVEN_MODULES if name not in given)


def content_hash(study: dict[str, Any]) -> str:
    return hashed_json(study)[0]


def hashed_json(study: Any) -> tuple[str, str]:
    """The study's content hash, and the canonical JSON text it was worked out from (which the bulk writer stores
    as the raw copy as it is, instead of encoding the study a second time)."""
    canonical = jsontext.canonical(study)
    # surrogatepass: a record with a lone surrogate escape is still hashed (and then refused on its own when it is
    # stored), instead of stopping the whole import.
    text = f"{NORMALISER_VERSION}\n{canonical}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest(), canonical


class _Reader:
    """Typed access to nested keys; a present value of the wrong type is an error, a missing one is None."""

    __slots__ = ("_parent", "_segment", "data")

    def __init__(
        self, data: dict[str, Any], parent: _Reader | None = None, segment: str | tuple[str, int] = ""
    ) -> None:
        self.data = data
        # The path is only spelled out for an error message: an import reads millions of keys.
        self._parent = parent
        self._segment = segment

    @property
    def path(self) -> str:
        segment = self._segment if isinstance(self._segment, str) else f"{self._segment[0]}[{self._segment[1]}]"
        return segment if self._parent is None else self._parent._where(segment)

    def _where(self, key: str) -> str:
        path = self.path
        return f"{path}.{key}" if path else key

    def module(self, key: str) -> _Reader:
        value = self.data.get(key)
        if value is None:
            return _Reader({}, self, key)
        if not isinstance(value, dict):
            raise RecordError(f"{self._where(key)} should be an object")
        return _Reader(value, self, key)

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if type(value) is str:
            return value.strip() or None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise RecordError(f"{self._where(key)} should be text")
        cleaned = str(value).strip()
        return cleaned or None

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RecordError(f"{self._where(key)} should be a number")
        return float(value)

    def flag(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise RecordError(f"{self._where(key)} should be true or false")

    def objects(self, key: str) -> list[_Reader]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise RecordError(f"{self._where(key)} should be a list of objects")
        return [_Reader(item, self, (key, i)) for i, item in enumerate(value)]

    def texts(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise RecordError(f"{self._where(key)} should be a list of text")
        return [item.strip() for item in value if item.strip()]

    def partial_date(self, key: str) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        if not _PARTIAL_DATE_RE.match(value):
            raise RecordError(f"{self._where(key)} {value!r} is not a YYYY-MM or YYYY-MM-DD date")
        return value

    def full_date(self, key: str) -> date | None:
        value = self.partial_date(key)
        if value is None:
            return None
        try:
            return date.fromisoformat(value if len(value) == 10 else f"{value}-01")
        except ValueError as exc:
            raise RecordError(f"{self._where(key)} {value!r} is not a real date") from exc


def _contact(reader: _Reader) -> dict[str, Any]:
    contact = {
        "name": reader.text("name"),
        "role": reader.text("role"),
        "email": reader.text("email"),
        "phone": reader.text("phone"),
        "phone_ext": reader.text("phoneExt"),
        "affiliation": reader.text("affiliation"),
    }
    return {key: value for key, value in contact.items() if value is not None}


def _site_key(parts: list[str | None], seen: dict[str, int]) -> str:
    base = hashlib.sha256("\x1f".join((p or "").strip().casefold() for p in parts).encode("utf-8")).hexdigest()[:40]
    count = seen.get(base, 0)
    seen[base] = count + 1
    # A record may list the same facility twice; keep both, distinguished by their order.
    return base if count == 0 else f"{base}-{count + 1}"


def _sites(contacts_module: _Reader) -> list[SiteData]:
    seen: dict[str, int] = {}
    sites = []
    for position, loc in enumerate(contacts_module.objects("locations")):
        geo = loc.module("geoPoint")
        lat, lon = geo.number("lat"), geo.number("lon")
        if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise RecordError(f"{geo.path} ({lat}, {lon}) is not a place on Earth")
        facility, city, state = loc.text("facility"), loc.text("city"), loc.text("state")
        zip_code, country = loc.text("zip"), loc.text("country")
        sites.append(
            SiteData(
                site_key=_site_key([facility, city, state, zip_code, country], seen),
                position=position,
                facility=facility,
                city=city,
                state=state,
                zip=zip_code,
                country=country,
                status=loc.text("status"),
                latitude=lat if lon is not None else None,
                longitude=lon if lat is not None else None,
                contacts=[_contact(c) for c in loc.objects("contacts")],
            )
        )
    return sites


def _age(eligibility: _Reader, key: str) -> tuple[int | None, str | None]:
    text = eligibility.text(key)
    try:
        age = parse_age(text)
    except AgeError as exc:
        raise RecordError(f"{eligibility.path}.{key}: {exc}") from exc
    return (age.minutes, text) if age else (None, None)


def peek_nct_id(study: Any) -> str | None:
    """The record's NCT ID if it has a readable one, for error messages about a record that fails."""
    try:
        nct_id = study["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return None
    return nct_id if isinstance(nct_id, str) and NCT_ID_RE.match(nct_id) else None


def normalise_study(study: Any, digest: str | None = None) -> TrialData:
    """Map an API v2 study to our columns. Raises RecordError for a record we cannot use."""
    if not isinstance(study, dict):
        raise RecordError("a study should be a JSON object")
    root = _Reader(study)
    protocol = root.module("protocolSection")
    ident = protocol.module("identificationModule")
    nct_id = ident.text("nctId")
    if nct_id is None:
        raise RecordError("protocolSection.identificationModule.nctId is missing")
    if not NCT_ID_RE.match(nct_id):
        raise RecordError(f"nctId {nct_id!r} is not an NCT ID like NCT01234567")
    title = ident.text("briefTitle") or ident.text("officialTitle")
    if title is None:
        raise RecordError("the study has no briefTitle or officialTitle")
    status = protocol.module("statusModule")
    overall_status = status.text("overallStatus")
    if overall_status is None:
        raise RecordError(
            "protocolSection.statusModule.overallStatus is missing (a partial-field export?): "
            "a patient cannot tell whether the trial is open"
        )
    sponsors = protocol.module("sponsorCollaboratorsModule")
    description = protocol.module("descriptionModule")
    design = protocol.module("designModule")
    eligibility = protocol.module("eligibilityModule")
    contacts_module = protocol.module("contactsLocationsModule")
    start = status.module("startDateStruct")
    completion = status.module("completionDateStruct")
    primary_completion = status.module("primaryCompletionDateStruct")
    enrollment = design.module("enrollmentInfo")
    min_minutes, min_text = _age(eligibility, "minimumAge")
    max_minutes, max_text = _age(eligibility, "maximumAge")
    enrollment_count = enrollment.number("count")
    columns: dict[str, Any] = {
        "nct_id": nct_id,
        "brief_title": title,
        "official_title": ident.text("officialTitle"),
        "acronym": ident.text("acronym"),
        "overall_status": overall_status.upper(),
        "study_type": design.text("studyType"),
        "phases": design.texts("phases"),
        # Without the module the record says nothing of ages, sex or healthy volunteers: unknown, never "any".
        # With it, a missing age limit is the registry's "no limit".
        "eligibility_given": bool(eligibility.data),
        "sex": eligibility.text("sex"),
        "minimum_age_minutes": min_minutes,
        "maximum_age_minutes": max_minutes,
        "minimum_age_text": min_text,
        "maximum_age_text": max_text,
        "healthy_volunteers": eligibility.flag("healthyVolunteers"),
        "brief_summary": description.text("briefSummary"),
        "detailed_description": description.text("detailedDescription"),
        "eligibility_criteria": eligibility.text("eligibilityCriteria"),
        "keywords": protocol.module("conditionsModule").texts("keywords"),
        "sponsor": sponsors.module("leadSponsor").text("name"),
        "collaborators": [c.text("name") for c in sponsors.objects("collaborators") if c.text("name")],
        "start_date": start.partial_date("date"),
        "start_date_type": start.text("type"),
        "completion_date": completion.partial_date("date"),
        "completion_date_type": completion.text("type"),
        "primary_completion_date": primary_completion.partial_date("date"),
        "primary_completion_date_type": primary_completion.text("type"),
        "status_verified_date": status.partial_date("statusVerifiedDate"),
        "first_posted_on": status.module("studyFirstPostDateStruct").full_date("date"),
        "last_update_posted_on": status.module("lastUpdatePostDateStruct").full_date("date"),
        "enrollment_count": int(enrollment_count) if enrollment_count is not None else None,
        "enrollment_type": enrollment.text("type"),
        "central_contacts": [_contact(c) for c in contacts_module.objects("centralContacts")],
        "overall_officials": [_contact(c) for c in contacts_module.objects("overallOfficials")],
    }
    conditions = protocol.module("conditionsModule").texts("conditions")
    browse = root.module("derivedSection").module("conditionBrowseModule")
    mesh_terms = [m.text("term") for key in ("meshes", "ancestors") for m in browse.objects(key)]
    columns["mesh_terms"] = list(dict.fromkeys(term for term in mesh_terms if term))
    arms = protocol.module("armsInterventionsModule")
    names = [i.text("name") for i in arms.objects("interventions")]
    columns["interventions"] = list(dict.fromkeys(name for name in names if name))
    sites = _sites(contacts_module)
    # Distinct site countries on the trial row: the country filter and its facet need no walk over the sites.
    columns["countries"] = sorted({site.country for site in sites if site.country})
    searchable = [*conditions, *columns["keywords"], *columns["mesh_terms"]]
    return TrialData(
        nct_id=nct_id,
        content_hash=digest or content_hash(study),
        raw=study,
        columns=columns,
        conditions=list(dict.fromkeys(conditions)),
        sites=sites,
        terms=trial_phrases(searchable),
    )
