"""A trial as imported from ClinicalTrials.gov, with its conditions and sites."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, JSONDocument, JSONType, TimestampMixin, UTCDateTime, utcnow
from portal.vocabulary import PHASES


def phase_bit(code: str) -> int:
    return 1 << PHASES.index(code)


def phase_mask(phases: list[str] | None) -> int:
    return sum(phase_bit(code) for code in set(phases or []) if code in PHASES)


class Trial(TimestampMixin, Base):
    __tablename__ = "trials"
    # The search's did-you-mean list is cached until max(updated_at) changes: an index makes that a lookup.
    __table_args__ = (Index("ix_trials_updated_at", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nct_id: Mapped[str] = mapped_column(String(11), unique=True)
    brief_title: Mapped[str] = mapped_column(Text)
    official_title: Mapped[str | None] = mapped_column(Text)
    acronym: Mapped[str | None] = mapped_column(String(100))
    overall_status: Mapped[str] = mapped_column(String(40), index=True)
    study_type: Mapped[str | None] = mapped_column(String(40))
    phases: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # False when the record has no eligibility module (a partial-field export): its ages, sex and healthy
    # volunteers are then unknown, not "any", and no filter on them may match it.
    eligibility_given: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sex: Mapped[str | None] = mapped_column(String(10))
    # Ages in minutes, so "18 Months", "1 Year" and "18 Minutes" compare directly; NULL means no limit.
    minimum_age_minutes: Mapped[int | None] = mapped_column(Integer)
    maximum_age_minutes: Mapped[int | None] = mapped_column(Integer)
    minimum_age_text: Mapped[str | None] = mapped_column(String(40))
    maximum_age_text: Mapped[str | None] = mapped_column(String(40))
    healthy_volunteers: Mapped[bool | None] = mapped_column(Boolean)
    brief_summary: Mapped[str | None] = mapped_column(Text)
    detailed_description: Mapped[str | None] = mapped_column(Text)
    eligibility_criteria: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Derived from the record for search (see portal.search): MeSH terms with ancestors, intervention names,
    # and the distinct countries of the sites.
    mesh_terms: Mapped[list[str]] = mapped_column(JSONType, default=list)
    interventions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    countries: Mapped[list[str]] = mapped_column(JSONType, default=list)
    sponsor: Mapped[str | None] = mapped_column(Text)
    collaborators: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Dates as ClinicalTrials.gov gives them: "YYYY-MM-DD" or month precision "YYYY-MM".
    start_date: Mapped[str | None] = mapped_column(String(10))
    start_date_type: Mapped[str | None] = mapped_column(String(10))
    completion_date: Mapped[str | None] = mapped_column(String(10))
    completion_date_type: Mapped[str | None] = mapped_column(String(10))
    # When the study expects to (ESTIMATED) or did (ACTUAL) collect the data for its main results, and the month
    # the study team last confirmed the status: an open trial past either may no longer be looking for people.
    primary_completion_date: Mapped[str | None] = mapped_column(String(10))
    primary_completion_date_type: Mapped[str | None] = mapped_column(String(10))
    status_verified_date: Mapped[str | None] = mapped_column(String(10))
    first_posted_on: Mapped[date | None] = mapped_column(Date)
    last_update_posted_on: Mapped[date | None] = mapped_column(Date, index=True)
    enrollment_count: Mapped[int | None] = mapped_column(Integer)
    enrollment_type: Mapped[str | None] = mapped_column(String(10))
    central_contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    overall_officials: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # The whole record as imported, for fields we do not map yet. `json`, not `jsonb`, on PostgreSQL, compressed
    # with lz4 where the server has it (migration 5b3c0f7d2a61): no query looks inside it, and the import writes it
    # 2.2 times as fast as JSONB under pglz, in less room.
    raw: Mapped[dict[str, Any]] = mapped_column(JSONDocument, deferred=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the trial was first seen open to people, or last moved back into an open status: what makes it "new".
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # An operator can take a trial off the public pages without deleting it.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    conditions: Mapped[list[TrialCondition]] = relationship(
        back_populates="trial",
        cascade="all, delete-orphan",
        order_by="TrialCondition.position",
    )
    sites: Mapped[list[Site]] = relationship(
        back_populates="trial",
        cascade="all, delete-orphan",
        order_by="Site.position",
    )

    @property
    def condition_names(self) -> list[str]:
        return [c.name for c in self.conditions]

    def __repr__(self) -> str:
        return f"<Trial {self.nct_id}>"


class TrialCondition(Base):
    __tablename__ = "trial_conditions"
    __table_args__ = (
        # Also the index of a trial's conditions, in order: its first column is the trial.
        UniqueConstraint("trial_id", "position"),
        Index("ix_trial_conditions_name_lower", "name_lower"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    name_lower: Mapped[str] = mapped_column(Text)

    trial: Mapped[Trial] = relationship(back_populates="conditions")


class TrialTerm(Base):
    """A normalised phrase from a trial's conditions, keywords or MeSH terms (see portal.ctgov.terms).

    Keyed by (trial, phrase), with no foreign key: a trial has about 30 of these, and checking each against
    `trials` was a sixth of PostgreSQL's work in an import. Only the importer writes them, for the trials it has
    just written, and a trigger deletes a trial's terms with it (migration 8d2e4a6c1f90), as the cascade did.
    """

    __tablename__ = "trial_terms"
    __table_args__ = (Index("ix_trial_terms_phrase", "phrase"),)

    trial_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    phrase: Mapped[str] = mapped_column(String(200), primary_key=True)
    origin: Mapped[str] = mapped_column(Text)


class Site(TimestampMixin, Base):
    """One study location. `site_key` identifies it across re-imports, since the registry gives sites no id."""

    __tablename__ = "sites"
    __table_args__ = (
        # Also the index of a trial's sites: its first column is the trial.
        UniqueConstraint("trial_id", "site_key"),
        # The distance search: recruiting sites inside a latitude band, with the longitude and the trial read
        # from the index alone.
        Index("ix_sites_status_lat_lon_trial", "status", "latitude", "longitude", "trial_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"))
    site_key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    facility: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(Text)
    zip: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(40))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)

    trial: Mapped[Trial] = relationship(back_populates="sites")

    def __repr__(self) -> str:
        return f"<Site {self.facility!r} of trial {self.trial_id}>"


class SearchFacts(Base):
    """What the search filters, counts and orders by, one narrow row per trial (see portal.search.index).

    A copy of a few trial columns, written with the search index in the importer's transaction (and, by a
    trigger, when an operator hides or shows a trial), because the trial rows are wide: a search that reads them
    for thousands of matches is slow on both databases. On PostgreSQL the weighted `search_vector` and the smaller
    `rank_vector` live here too, outside the ORM.
    """

    __tablename__ = "search_facts"

    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), primary_key=True)
    nct_id: Mapped[str] = mapped_column(String(11))
    overall_status: Mapped[str] = mapped_column(String(40), index=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    study_type: Mapped[str | None] = mapped_column(String(40))
    # The trial's phases as bits (see PHASES): a filter or a count is then integer arithmetic, not JSON.
    phase_mask: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    eligibility_given: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sex: Mapped[str | None] = mapped_column(String(10))
    minimum_age_minutes: Mapped[int | None] = mapped_column(Integer)
    maximum_age_minutes: Mapped[int | None] = mapped_column(Integer)
    healthy_volunteers: Mapped[bool | None] = mapped_column(Boolean)
    countries: Mapped[list[str]] = mapped_column(JSONType, default=list)
    last_update_posted_on: Mapped[date | None] = mapped_column(Date)


# The columns SearchFacts copies from Trial, by the same names (and phase_mask, from Trial.phases).
SEARCH_FACT_COLUMNS = (
    "nct_id",
    "overall_status",
    "hidden",
    "study_type",
    "eligibility_given",
    "sex",
    "minimum_age_minutes",
    "maximum_age_minutes",
    "healthy_volunteers",
    "countries",
    "last_update_posted_on",
)
