"""The development mail catcher keeps every message as an .eml file a person can open."""

from __future__ import annotations

import smtplib
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller

from portal.mail.catcher import EmlFileHandler
from tests.conftest import ALLOWED_SMTP_PORTS, free_port


def test_messages_land_as_eml_files(tmp_path: Path) -> None:
    port = free_port()
    ALLOWED_SMTP_PORTS.add(port)
    controller = Controller(EmlFileHandler(tmp_path / "mail"), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.sendmail("portal@example.org", ["ann@example.org"], "Subject: Héllo\r\n\r\nBody".encode())
    finally:
        controller.stop()
        ALLOWED_SMTP_PORTS.discard(port)
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    message = message_from_bytes(files[0].read_bytes(), policy=default)
    assert message.get_content().strip() == "Body"
