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

Also counts pages with groups, design facts, a study-team section and the central contacts shown. It is a
report: exit 0 whatever the counts, non-zero only when the import or a page fails.

    .venv/bin/python bench/page_truth.py
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

from benchlib import CTGOV_BULK_DIR, CTGOV_DIR, BenchError, machine_line, print_table, random_secret, sqlite_url

# Shared with the tests (benchlib adds the repo).
from tests.trials.page_items import ItemNames, record_names, squash, stated_defaults


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
    from portal.models import Trial

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
            trials = db.session.execute(select(Trial.nct_id, Trial.raw).order_by(Trial.nct_id)).all()
            db.session.remove()
        client = app.test_client()
        started = time.perf_counter()
        for nct_id, raw in trials:
            response = client.get(f"/trials/{nct_id}")
            if response.status_code != 200:
                raise BenchError(f"/trials/{nct_id} answered {response.status_code}")
            page = PageReader()
            page.feed(response.get_data(as_text=True))
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
        seconds = time.perf_counter() - started
    if summary.failed and summary.created + summary.updated == 0:
        raise BenchError(f"the import failed: {summary.errors[:3]}")
    return counts, len(trials), seconds


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
