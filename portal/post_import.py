"""What follows every import, from the command line or the operators' upload: fresh pages, meaning vectors,
statistics and alerts."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from portal.alerts.notices import RunSummary, run_alerts
from portal.ctgov.importer import ImportSummary
from portal.database import refresh_planner_statistics
from portal.embeddings.runtime import get_embedder, refresh_index
from portal.embeddings.store import EmbedSummary, embed_trials
from portal.extensions import db
from portal.glossary.services import refresh_glossary_matches
from portal.mail.dispatch import mail_queue

log = logging.getLogger(__name__)

# ANALYZE takes about 11 s at 100,000 trials on SQLite; alert matching is chunked. RQ's default (180 s) is too short
# for a big catalogue on a slow disk.
JOB_TIMEOUT_SECONDS = 3600


@dataclass(frozen=True)
class PostImport:
    queued: bool = False  # the slow steps were handed to a mail worker
    alerts: RunSummary | None = None  # what the alert run did, when it ran in this process
    vectors: EmbedSummary | None = None  # the meaning vectors computed, when that ran in this process
    enriching: bool = False  # the meaning vectors and glossary words were handed to a mail worker


def embed_changed_trials(session: Session) -> EmbedSummary | None:
    """Vectors for the trials whose title, conditions, keywords or summary changed (the others keep theirs);
    None when matching by meaning is off or its model cannot load. Commits."""
    config = current_app.config
    if not (config["SEMANTIC_SEARCH"] and config["EMBED_AFTER_IMPORT"]):
        return None
    embedder = get_embedder()
    if embedder is None:
        return None
    summary = embed_trials(session, embedder)
    if summary.computed:
        refresh_index(session)  # the shared index follows the vectors (or goes, below its minimum)
    return summary


def refresh_and_match(session: Session, changed: int | None = None) -> tuple[EmbedSummary | None, RunSummary]:
    """The slow steps: the meaning vectors of changed trials, ANALYZE, so searches are planned on the new table
    sizes (when the import changed enough of them to matter: `changed`, see refresh_planner_statistics), the glossary
    matches of the new and changed trials, then the alert run for the trials the import opened (emails dispatched
    after its commits). Commits, as each step does."""
    vectors = enrich_changed_trials(session)
    refresh_planner_statistics(session, changed)
    return vectors, run_alerts(session)


def refresh_and_match_job() -> str:
    """The RQ job a mail worker runs after an upload; RQ finds it by its dotted path, so mail never imports it."""
    try:
        vectors, alerts = refresh_and_match(db.session)
        return f"{vectors.line()} {alerts.line()}" if vectors is not None else alerts.line()
    finally:
        db.session.remove()


def enrich_changed_trials(session: Session) -> EmbedSummary | None:
    """The meaning vectors and the glossary words of the new and changed trials: the slowest steps (about 0.3 s
    and 15 to 120 ms a trial), and no search needs them at once (full text finds a trial without its vector, and a
    page works out its glossary words itself until they are stored). Commits."""
    vectors = embed_changed_trials(session)
    if current_app.config["GLOSSARY_AFTER_IMPORT"]:
        refresh_glossary_matches(session)
    return vectors


def enrich_job() -> str:
    """The RQ job a mail worker runs after a command-line import or a sync; found by its dotted path."""
    try:
        vectors = enrich_changed_trials(db.session)
        return vectors.line() if vectors is not None else "glossary matched"
    finally:
        db.session.remove()


def post_import(session: Session, summary: ImportSummary, *, on_worker: bool = False) -> PostImport:
    """Run once the importer has committed. The trial page cache is cleared every time; when the import created or
    updated trials, the slow steps follow: all on a mail worker when `on_worker` is asked and mail goes through RQ
    (the operators' upload, to keep the request short); else ANALYZE and the alerts here, and the vectors and
    glossary words on a mail worker when mail goes through RQ (the command line and the sync), here otherwise.
    With Redis unreachable they all run here: the import is done, and must not leave stale statistics behind.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    app.extensions["trial_page_cache"].clear()
    if not (summary.created or summary.updated):
        return PostImport()
    if on_worker and app.config["OUTBOX_DELIVERY"] == "rq":
        try:
            mail_queue(app).enqueue(
                refresh_and_match_job, job_timeout=JOB_TIMEOUT_SECONDS, result_ttl=600, failure_ttl=86400
            )
        except RedisError as exc:
            log.warning("could not queue the post-import job (%s); running it in this request", type(exc).__name__)
        else:
            return PostImport(queued=True)
    elif app.config["OUTBOX_DELIVERY"] == "rq":
        # Searchable and alerted here and now; the vectors and glossary words follow on a mail worker.
        try:
            mail_queue(app).enqueue(enrich_job, job_timeout=JOB_TIMEOUT_SECONDS, result_ttl=600, failure_ttl=86400)
        except RedisError as exc:
            log.warning("could not queue the vectors and glossary job (%s); running it here", type(exc).__name__)
        else:
            refresh_planner_statistics(session, summary.created + summary.updated)
            return PostImport(alerts=run_alerts(session), enriching=True)
    vectors, alerts = refresh_and_match(session, summary.created + summary.updated)
    return PostImport(alerts=alerts, vectors=vectors)
