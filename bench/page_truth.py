"""How many trial pages tell what the record says about what a study tests, over every record in the repository.

Imports portal/demo_trials and tests/data/ctgov-bulk into a throwaway SQLite database (in this process), renders
every trial's page and compares it with the record as imported (`trials.raw`):

- "listed": the page has the list the section is built from (`<ul class="study-items interventions">`,
  `outcomes--primary`) and it names exactly the record's interventions (or primary outcome measures), in order;
- "named anywhere": every one of those names appears somewhere in the page's visible text (a looser count that
  also credits a summary which happens to mention them);
- "claims without source": the page has such a list although the record has none (should be 0).

Then the pages that state a default the record never gave (tests/trials/page_items.py, `stated_defaults`): "Any
age" or "Sex: All" with no eligibility module (or no sex in it), "has not listed eligibility criteria" with no
eligibility module, "has not given a summary" with no description module, "No study locations are listed yet" with
no contacts and locations module; and the pages with the notice "This copy of the record is incomplete".

Also counts pages with groups, design facts, a study-team section and the central contacts shown, and the sites
listed under the wrong status: a site whose record gives no status listed under "Not recruiting" with no badge, and
a site of a trial that is not open (overall status not in OPEN_STATUSES) listed or badged as "Recruiting", or
counted in a "N are recruiting" line. A trial of more than 100 sites lists its countries and regions, each with a
page of its sites: those pages are read too (every page of places the trial page links to, and theirs). Then the
freshness facts: pages that show the last update and the last verification, the not-open notice with its search
link, and the "may be out of date" flag (which depends on the day the bench runs; the date is printed). It is a
report: exit 0 whatever the counts, non-zero only when the import or a page fails.

    .venv/bin/python bench/page_truth.py
"""

from __future__ import annotations

import logging
import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from benchlib import CTGOV_BULK_DIR, CTGOV_DIR, BenchError, machine_line, print_table, random_secret, sqlite_url

from tests.trials.page_items import (  # shared with the tests (benchlib adds the repo)
    ItemNames,
    ListedSite,
    listings_with_place_pages,
    record_names,
    squash,
    stated_defaults,
)

# ClinicalTrials.gov's statuses in which a study may take people on, as in portal.vocabulary.OPEN_STATUSES (spelled
# out here so that the bench measures the commit before them the same way).
OPEN_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING")
RECRUITING_LABEL = "Recruiting"
# "3 are recruiting." in the locations summary, "2 sites, 1 recruiting" in a country's summary.
_RECRUITING_CLAIM_RE = re.compile(r"(\d[\d,]*) (?:is|are) recruiting|, (\d[\d,]*) recruiting<")


class PageReader(ItemNames):
    """The item lists, and besides them the visible text and the section ids."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.section_ids: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "title"}:
            self._skip += 1
        section_id = dict(attrs).get("id")
        if tag == "section" and section_id:
            self.section_ids.add(section_id)
        super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "title"}:
            self._skip -= 1
        super().handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)
        super().handle_data(data)


# The names stated_defaults gives, in the order of the report, and the modules whose absence the report counts.
DEFAULT_CLAIMS = ("any age", "sex all", "no criteria", "no summary", "no locations")
NOTICED_MODULES = ("descriptionModule", "eligibilityModule")


class Counts:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def add(self, key: str, yes: bool = True) -> None:
        self.values[key] = self.values.get(key, 0) + int(yes)

    def __getitem__(self, key: str) -> int:
        return self.values.get(key, 0)


def measure() -> tuple[Counts, int, float]:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from portal import create_app
    from portal.ctgov.importer import import_records
    from portal.ctgov.sources import read_sources
    from portal.extensions import db
    from portal.models import Site, Trial

    counts = Counts()
    with tempfile.TemporaryDirectory(prefix="page-truth-") as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": sqlite_url(Path(tmp)),
                "PORTAL_ENV": "development",
                "SECRET_KEY": random_secret(),
                "RATELIMIT_ENABLED": False,
                "OUTBOX_DELIVERY": "manual",
            }
        )
        with app.app_context():
            logging.disable(logging.WARNING)  # alembic's INFO lines, the importer's refusals of partial exports
            try:
                upgrade()
                summary = import_records(db.session, read_sources([CTGOV_DIR, CTGOV_BULK_DIR]))
            finally:
                logging.disable(logging.NOTSET)
            trials = db.session.execute(
                select(Trial.nct_id, Trial.raw, Trial.overall_status).order_by(Trial.nct_id)
            ).all()
            site_statuses: dict[str, list[str | None]] = {}
            for nct_id, status in db.session.execute(select(Trial.nct_id, Site.status).join(Site.trial)).tuples():
                site_statuses.setdefault(nct_id, []).append(status)
            db.session.remove()
        client = app.test_client()
        started = time.perf_counter()
        for nct_id, raw, overall_status in trials:
            response = client.get(f"/trials/{nct_id}")
            if response.status_code != 200:
                raise BenchError(f"/trials/{nct_id} answered {response.status_code}")
            html = response.get_data(as_text=True)
            page = PageReader()
            page.feed(html)
            text = squash(" ".join(page.text))
            protocol = raw.get("protocolSection") or {}
            interventions = record_names(protocol, "armsInterventionsModule", "interventions", "name")
            outcomes = record_names(protocol, "outcomesModule", "primaryOutcomes", "measure")
            for label, css, names in (
                ("interventions", "interventions", interventions),
                ("primary outcomes", "outcomes outcomes--primary", outcomes),
            ):
                listed = page.lists.get(css, [])
                counts.add(f"{label}: records with", bool(names))
                counts.add(f"{label}: listed", bool(names) and listed == names)
                counts.add(f"{label}: named anywhere", bool(names) and all(name in text for name in names))
                counts.add(f"{label}: claims without source", bool(listed) and not names)
            counts.add("groups listed", bool(page.lists.get("arms")))
            counts.add("study set-up shown", "How the study is set up" in text)
            counts.add("study team section", "team" in page.section_ids)
            contacts = (protocol.get("contactsLocationsModule") or {}).get("centralContacts") or []
            emails = [c["email"] for c in contacts if isinstance(c, dict) and isinstance(c.get("email"), str)]
            counts.add("central contacts: records with an email", bool(emails))
            counts.add("central contacts: every email shown", bool(emails) and all(e.strip() in text for e in emails))
            claims = stated_defaults(text, protocol)
            for claim in DEFAULT_CLAIMS:
                counts.add(f"default: {claim}", claim in claims)
            counts.add("default: any", bool(claims))
            absent = [name for name in NOTICED_MODULES if protocol.get(name) is None]
            counts.add("records missing a module", bool(absent))
            counts.add("incomplete notice", "This copy of the record is incomplete" in text)
            listed = listings_with_place_pages(lambda url: _get(client, url), f"/trials/{nct_id}", html)
            count_sites(counts, html, listed, overall_status in OPEN_STATUSES, site_statuses.get(nct_id, []))
            count_freshness(counts, text, html, overall_status in OPEN_STATUSES)
        seconds = time.perf_counter() - started
    if summary.failed and summary.created + summary.updated == 0:
        raise BenchError(f"the import failed: {summary.errors[:3]}")
    return counts, len(trials), seconds


def _get(client: Any, url: str) -> str:
    response = client.get(url)
    if response.status_code != 200:
        raise BenchError(f"{url} answered {response.status_code}")
    return str(response.get_data(as_text=True))


def count_sites(
    counts: Counts, html: str, listed: list[ListedSite], trial_open: bool, statuses: list[str | None]
) -> None:
    """Each site as listed on the page (or, for a big trial, on its pages of places), against the statuses of the
    trial's site rows."""
    counts.add("sites", len(statuses))
    counts.add("sites listed", len(listed))
    counts.add("sites without a status", sum(1 for status in statuses if status is None))
    counts.add("no status: under Not recruiting", sum(1 for s in listed if s.label == "Not recruiting" and not s.badge))
    counts.add("no status: shown as not given", sum(1 for s in listed if "Status not given" in (s.label, s.badge)))
    recruiting = sum(1 for status in statuses if status == "RECRUITING")
    shown_recruiting = sum(1 for s in listed if RECRUITING_LABEL in (s.label, s.badge))
    start = html.find('id="locations"')
    claims = [int((a or b).replace(",", "")) for a, b in _RECRUITING_CLAIM_RE.findall(html[start:])]
    if trial_open:
        counts.add("open trials: recruiting sites", recruiting)
        counts.add("open trials: recruiting sites shown as recruiting", shown_recruiting)
    else:
        counts.add("closed trials: recruiting sites", recruiting)
        counts.add("closed trials: sites shown as recruiting", shown_recruiting)
        counts.add("closed trials: pages counting recruiting", any(claims))
        counts.add("closed trials: sites dated", sum(1 for s in listed if _dated(s.label)))


def _dated(label: str) -> bool:
    return label.startswith("Listed as recruiting when the record was last updated")


def count_freshness(counts: Counts, text: str, html: str, trial_open: bool) -> None:
    counts.add("pages: last update on ClinicalTrials.gov shown", "Last updated on ClinicalTrials.gov" in text)
    counts.add("pages: status last verified shown", "Status last verified" in text)
    flagged = "This study’s status may be out of date" in text
    counts.add(f"{'open' if trial_open else 'closed'} trials: flagged as maybe out of date", flagged)
    counts.add(f"{'open' if trial_open else 'closed'} trials", True)
    notice = "status-notice--closed" in html
    counts.add(f"{'open' if trial_open else 'closed'} trials: not-open notice", notice)
    counts.add("closed trials: notice links to a search", notice and 'class="closed-notice__search"' in html)


def main() -> int:
    print(machine_line())
    try:
        counts, pages, seconds = measure()
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{pages:,} trial pages rendered in {seconds:.1f} s ({pages / seconds:.0f} pages/s, first render each)\n")
    rows = []
    for label in ("interventions", "primary outcomes"):
        rows.append(
            [
                label,
                f"{counts[f'{label}: records with']:,}",
                f"{counts[f'{label}: listed']:,}",
                f"{counts[f'{label}: named anywhere']:,}",
                f"{counts[f'{label}: claims without source']:,}",
            ]
        )
    print_table(rows, ["pages", "record has them", "listed", "named anywhere", "claims without source"])
    print()
    other = [
        ["groups listed", f"{counts['groups listed']:,}"],
        ["study set-up shown", f"{counts['study set-up shown']:,}"],
        ["study team section", f"{counts['study team section']:,}"],
        ["central contacts: records with an email", f"{counts['central contacts: records with an email']:,}"],
        ["central contacts: every email shown", f"{counts['central contacts: every email shown']:,}"],
    ]
    print_table(other, ["pages", "count"])
    print()
    defaults = [[f"states {claim!r}", f"{counts[f'default: {claim}']:,}"] for claim in DEFAULT_CLAIMS]
    defaults += [
        ["state a default the record never gave", f"{counts['default: any']:,}"],
        ["records missing " + " or ".join(NOTICED_MODULES), f"{counts['records missing a module']:,}"],
        ["pages with the incomplete-record notice", f"{counts['incomplete notice']:,}"],
    ]
    print_table(defaults, ["pages", "count"])
    print()
    wrong = counts["no status: under Not recruiting"] + counts["closed trials: sites shown as recruiting"]
    sites = [
        ["sites (site rows of all trials)", counts["sites"]],
        ["sites listed on the pages", counts["sites listed"]],
        ["sites whose record gives no status", counts["sites without a status"]],
        ["  listed under Not recruiting, no badge", counts["no status: under Not recruiting"]],
        ["  shown as Status not given", counts["no status: shown as not given"]],
        ["sites listed as recruiting by a trial that is not open", counts["closed trials: recruiting sites"]],
        ["  shown as recruiting", counts["closed trials: sites shown as recruiting"]],
        ["  dated: listed as recruiting when last updated", counts["closed trials: sites dated"]],
        ["pages of trials not open that count recruiting sites", counts["closed trials: pages counting recruiting"]],
        ["sites listed as recruiting by an open trial", counts["open trials: recruiting sites"]],
        ["  shown as recruiting", counts["open trials: recruiting sites shown as recruiting"]],
        ["sites listed under the wrong status", wrong],
    ]
    print_table([[label, f"{value:,}"] for label, value in sites], ["sites", "count"])
    print()
    print(f"Freshness, as of {date.today().isoformat()} (the flag depends on the day):")
    fresh = [
        ["pages: last update on ClinicalTrials.gov shown", counts["pages: last update on ClinicalTrials.gov shown"]],
        ["pages: status last verified shown", counts["pages: status last verified shown"]],
        ["open trials", counts["open trials"]],
        ["  flagged: status may be out of date", counts["open trials: flagged as maybe out of date"]],
        ["  with the not-open notice (should be 0)", counts["open trials: not-open notice"]],
        ["trials not open", counts["closed trials"]],
        ["  with the not-open notice", counts["closed trials: not-open notice"]],
        ["  notice with a search link", counts["closed trials: notice links to a search"]],
        ["  flagged: status may be out of date (should be 0)", counts["closed trials: flagged as maybe out of date"]],
    ]
    print_table([[label, f"{value:,}"] for label, value in fresh], ["pages", "count"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
