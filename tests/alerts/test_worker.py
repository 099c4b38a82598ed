"""The mail worker runs matching on its own schedule, so weekly digests and missed runs need no cron."""

from __future__ import annotations

from flask import Flask

from tests.alerts.helpers import CHICAGO, import_studies, study, subscribe
from tests.conftest import SmtpServer
from tests.processes import Workers, wait_until


def test_a_worker_process_matches_and_delivers_alerts(app: Flask, smtp_server: SmtpServer, workers: Workers) -> None:
    subscribe(app, "pat@example.org", "lupus", place="Chicago", radius_miles=25)
    # Imported without the CLI, so nothing has matched it yet.
    import_studies(app, study("NCT90000030", conditions=["Lupus"], sites=[("Chicago", CHICAGO, "RECRUITING")]))
    workers.env["ALERTS_RUN_SECONDS"] = "1"
    workers.start()
    assert wait_until(lambda: len(smtp_server.messages) == 1), workers.logs()
    [message] = smtp_server.messages
    assert message["To"] == "pat@example.org" and "NCT90000030" in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
