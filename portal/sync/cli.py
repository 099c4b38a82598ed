"""`flask --app portal trials sync`: a progress bar on a terminal, one line per page otherwise, a summary."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click
from flask.cli import with_appcontext

from portal.ctgov.api import Page, QueryError
from portal.ctgov.importer import ImportSummary
from portal.sync.services import SyncBusy, SyncOutcome, sync_trials


@click.command("sync")
@click.option(
    "--query",
    default=None,
    help="The API's search parameters for this run, e.g. 'query.cond=asthma' "
    "(default: CTGOV_SYNC_QUERY; an empty string mirrors everything).",
)
@click.option("--full", is_flag=True, help="Every record of the query, not only those updated since the last run.")
@click.option("--quiet", is_flag=True, help="No progress; only errors and the summary.")
@with_appcontext
def sync_command(query: str | None, full: bool, quiet: bool) -> None:
    """Bring the trials up to date with ClinicalTrials.gov (API v2), then refresh pages, statistics and alerts."""
    bar: Any = None
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request is noise; retries are logged
    on_terminal = sys.stdout.isatty() and not quiet

    def started(outcome: SyncOutcome) -> None:
        if quiet:
            return
        since = outcome.since.isoformat() if outcome.since else "the beginning (a full run)"
        how = "Resuming the interrupted sync" if outcome.resumed else "Syncing"
        click.echo(f"{how} (run {outcome.run_id}): records updated since {since}.")

    def page_done(page: Page, summary: ImportSummary, outcome: SyncOutcome) -> None:
        nonlocal bar
        if quiet:
            return
        if on_terminal and (bar is not None or page.total is not None):  # a resumed run's size is unknown
            if bar is None:
                bar = click.progressbar(length=page.total, label="Records", show_pos=True)
                bar.__enter__()
            bar.update(len(page.records))
            return
        watermark = outcome.watermark.isoformat() if outcome.watermark else "none yet"
        records = f"{len(page.records)} record" + ("" if len(page.records) == 1 else "s")
        click.echo(f"page {outcome.pages}: {records}: {summary.line()}; watermark {watermark}")

    try:
        outcome = sync_trials(query=query, full=full, on_page=page_done, on_start=started)
    except QueryError as exc:
        raise click.BadParameter(str(exc), param_hint="--query / CTGOV_SYNC_QUERY") from exc
    except SyncBusy as exc:
        raise click.ClickException(f"{exc}; not started") from exc
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for line in outcome.summary.errors:
        click.echo(f"error: {line}", err=True)
    watermark = outcome.watermark.isoformat() if outcome.watermark else "none"
    counts = f"{outcome.pages} pages, {outcome.summary.line()}; watermark {watermark}"
    if outcome.error:
        click.echo(f"error: {outcome.error}", err=True)
        click.echo(f"Sync stopped (run {outcome.run_id}): {counts}. The next run goes on from the last committed page.")
    else:
        click.echo(f"Sync finished (run {outcome.run_id}): {counts}.")
    if outcome.after is not None and outcome.after.alerts is not None:
        click.echo(f"Alerts: {outcome.after.alerts.line()}.")
    if not outcome.ok:
        sys.exit(1)
