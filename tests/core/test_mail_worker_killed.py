"""A real ``frontdesk worker`` killed in the middle of an SMTP transaction: after a
restart the mail is sent, exactly once, with the Message-ID fixed before the first try."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from frontdesk.db.outgoing import OutgoingMail
from frontdesk.mail import queue_mail
from frontdesk.testing import db_session, engine_of
from tests.mailservers import smtp_server  # noqa: F401  (the fixture)

FRONTDESK = str(Path(sys.executable).with_name("frontdesk"))


def wait_for(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def row(engine: Any) -> OutgoingMail:
    with db_session(engine) as db:
        return db.scalar(select(OutgoingMail).where(OutgoingMail.key == "killed"))


def start_worker(ini: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [FRONTDESK, "worker", str(ini), "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def test_worker_killed_mid_send_sends_once_after_restart(
    make_webapp,
    engine,
    tmp_path,
    smtp_server,  # noqa: F811
):
    settings = {
        "frontdesk.jobs.backend": "sqlite",
        "frontdesk.jobs.sqlite_path": str(tmp_path / "jobs.sqlite"),
        "frontdesk.jobs.name": f"mail-killed-{tmp_path.name}",
        "frontdesk.jobs.lease": "2",
        "frontdesk.jobs.sweep_interval": "1",
        "frontdesk.mail.transport": "smtp",
        "frontdesk.mail.smtp_host": smtp_server.host,
        "frontdesk.mail.smtp_port": str(smtp_server.port),
        "frontdesk.mail.smtp_security": "none",
        "frontdesk.mail.smtp_timeout": "120",
    }
    app = make_webapp(("management",), **settings)
    url = engine.url.render_as_string(hide_password=False)
    ini = tmp_path / "worker.ini"
    lines = ["[app:main]", "use = egg:frontdesk", f"sqlalchemy.url = {url}"]
    lines += ["frontdesk.session.secret = worker-test", "frontdesk.plugins = management"]
    ini.write_text("\n".join([*lines, *(f"{k} = {v}" for k, v in settings.items())]) + "\n")
    smtp_server.stall = 1
    with db_session(engine_of(app)) as db:
        queue_mail(db, to="ann@example.com", subject="Hi", body="Once", locale=None, key="killed")
    worker = start_worker(ini)
    try:
        assert smtp_server.stalled.wait(60), "the worker never reached the SMTP server"
        first = row(engine)
        assert first.status == "sending" and first.message_id
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        worker = start_worker(ini)
        [mail] = smtp_server.wait_for(1, timeout=60)
        wait_for(lambda: row(engine).status == "sent")
        time.sleep(2)  # a duplicate would arrive now
    finally:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
    assert len(smtp_server.messages) == 1
    assert mail["Message-ID"] == first.message_id
    assert row(engine).attempts == 2
