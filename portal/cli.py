"""Command groups: `flask --app portal trials ...` and `flask --app portal faqs ...`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.contact.services import ContactError, set_site_recipients
from portal.ctgov.importer import import_records
from portal.ctgov.progress import ImportProgress
from portal.ctgov.sources import expand_paths, read_sources
from portal.database import unit_of_work
from portal.embeddings.runtime import get_embedder, refresh_index
from portal.embeddings.store import embed_trials
from portal.extensions import db
from portal.faqs import services as faq_services
from portal.glossary.services import refresh_glossary_matches
from portal.post_import import post_import
from portal.sync.cli import sync_command

trials_cli = AppGroup("trials", help="Import and inspect trials.")
faqs_cli = AppGroup("faqs", help="List and edit the FAQs shown on trial pages.")
trials_cli.add_command(sync_command)

PROGRESS_EVERY = 500


@trials_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress lines; only errors and the summary.")
def import_command(paths: tuple[Path, ...], quiet: bool) -> None:
    """Import ClinicalTrials.gov API v2 JSON: studies, {"studies": [...]} pages, arrays; .json.gz, .zip, folders."""
    files = expand_paths(paths)
    if not files:
        raise click.ClickException("no .json, .json.gz or .zip files found in the given paths")
    workers = current_app.config["IMPORT_WORKERS"]  # import_records commits as it goes
    if not quiet and sys.stderr.isatty():
        # A terminal gets a bar with the rate and the time left; a log gets a line every PROGRESS_EVERY records.
        progress = ImportProgress(files, sys.stderr)
        summary = import_records(db.session, progress.sources(), on_progress=progress.advance, workers=workers)
        progress.finish()
    else:
        processed = 0

        def report(count: int) -> None:
            nonlocal processed
            before, processed = processed, processed + count
            if not quiet and processed // PROGRESS_EVERY > before // PROGRESS_EVERY:
                click.echo(f"… {processed} records processed", err=True)

        summary = import_records(db.session, read_sources(files), on_progress=report, workers=workers)
    for line in summary.errors:
        click.echo(f"error: {line}", err=True)
    if summary.created == 0 and summary.updated == 0 and summary.failed == 0:
        click.echo(f"Nothing changed: all {summary.unchanged} trials were already up to date.")
    click.echo(f"Import finished: {summary.line()}.")
    # Fresh pages, then ANALYZE and alert matching in this process: subscribers hear about new trials right away.
    after = post_import(db.session, summary)
    if after.vectors is not None:
        click.echo(after.vectors.line())
    if after.enriching:
        click.echo("A mail worker is working out the meaning vectors and glossary words of the changed trials.")
    if after.alerts is not None:
        click.echo(f"Alerts: {after.alerts.line()}.")
    if summary.failed:
        sys.exit(1)


@trials_cli.command("embed")
def embed_command() -> None:
    """Compute the meaning vectors of trials that have none or whose text changed (imports do this themselves)."""
    embedder = get_embedder()
    if embedder is None:
        raise click.ClickException("the language model could not be loaded (see the log); nothing was embedded")
    click.echo(embed_trials(db.session, embedder).line())
    built = refresh_index(db.session)
    if built is not None:
        click.echo(built.line())


@trials_cli.command("vector-index")
def vector_index_command() -> None:
    """Build the shared index of the meaning vectors now (imports and `trials embed` do it themselves); with
    fewer than VECTOR_INDEX_MIN_TRIALS vectors, remove it, so searches scan."""
    built = refresh_index(db.session)
    if built is None:
        raise click.ClickException("VECTOR_INDEX_MIN_TRIALS is 0: the index is off")
    click.echo(built.line())


@trials_cli.command("match-glossary")
@click.option("--all", "everything", is_flag=True, help="Match every trial again, not only the out-of-date ones.")
def match_glossary_command(everything: bool) -> None:
    """Work out which glossary words each trial's page explains. Imports do it for the trials they change; run
    this after changing the glossary's data files (a page shows the new glossary at once, matched as it renders,
    until then)."""
    summary = refresh_glossary_matches(db.session, everything=everything)  # commits as it goes
    click.echo(f"Glossary: {summary.line()}.")


@faqs_cli.command("list")
def list_faqs() -> None:
    """Show every FAQ with its id."""
    for faq, nct_id in faq_services.all_faqs(db.session):
        scope = nct_id or "general"
        click.echo(f"[{faq.id}] ({scope}) {faq.question}")
        click.echo(f"      {faq.answer}")


@faqs_cli.command("add")
@click.option("--question", required=True)
@click.option("--answer", required=True)
@click.option("--trial", "nct_id", help="NCT ID for a question about one trial; leave out for a general one.")
def add_faq(question: str, answer: str, nct_id: str | None) -> None:
    """Add a FAQ."""
    with unit_of_work():
        try:
            faq = faq_services.add_faq(db.session, question, answer, nct_id)
        except faq_services.FaqError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Added FAQ {faq.id}.")


@faqs_cli.command("edit")
@click.argument("faq_id", type=int)
@click.option("--question")
@click.option("--answer")
def edit_faq(faq_id: int, question: str | None, answer: str | None) -> None:
    """Change a FAQ's question or answer."""
    if question is None and answer is None:
        raise click.UsageError("give --question, --answer or both")
    with unit_of_work():
        try:
            faq_services.update_faq(db.session, faq_id, question, answer)
        except faq_services.FaqError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Updated FAQ {faq_id}.")


@faqs_cli.command("delete")
@click.argument("faq_id", type=int)
def delete_faq(faq_id: int) -> None:
    """Delete a FAQ."""
    with unit_of_work():
        try:
            faq_services.delete_faq(db.session, faq_id)
        except faq_services.FaqError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Deleted FAQ {faq_id}.")


@faqs_cli.command("seed")
def seed_faqs() -> None:
    """Add the default general FAQs that are missing."""
    with unit_of_work():
        added = faq_services.seed_default_faqs(db.session)
    click.echo(f"Added {added} default FAQs." if added else "The default FAQs are all there already.")


sites_cli = AppGroup("sites", help="Study sites: who receives their contact requests.")


@sites_cli.command("set-recipients")
@click.argument("nct_id")
@click.argument("facility")
@click.argument("emails", nargs=-1, required=True)
@click.option("--city", help="The site's city, where the trial has several sites of that name.")
def set_recipients(nct_id: str, facility: str, emails: tuple[str, ...], city: str | None) -> None:
    """Send FACILITY's contact requests for trial NCT_ID to EMAILS instead of the registry's addresses."""
    with unit_of_work():
        try:
            site = set_site_recipients(db.session, nct_id, facility, list(emails), city)
        except ContactError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Requests for {site.facility}, {site.city} now go to {', '.join(emails)}.")
