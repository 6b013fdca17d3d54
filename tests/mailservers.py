"""Real mail servers for tests: an SMTP sink (aiosmtpd) started by a fixture.

Use it from any test module::

    from tests.mailservers import smtp_server  # noqa: F401  (the fixture)

    def test_sends(smtp_server):
        ...  # point frontdesk.mail.smtp_host/port at smtp_server.host/port
        [message] = smtp_server.wait_for(1)

``smtp_server.messages`` holds every mail received so far, parsed as
``email.message.EmailMessage`` (with ``.envelope_from``/``.envelope_to`` attributes set
on each); ``wait_for(count, timeout)`` waits until at least ``count`` arrived.

``imap_server``: Debian's dovecot (``apt-get install dovecot-imapd``; scripts/test.sh
installs it) in a temporary folder on a free port, with a static password database: any
user logs in with :attr:`ImapServer.password`; ``.append(raw)`` delivers a mail. Skipped
when dovecot is missing, unless ``FRONTDESK_REQUIRE_IMAP=1`` (CI), which fails instead.
"""

from __future__ import annotations

import asyncio
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPSink:
    """An aiosmtpd server on a free port that keeps what it receives.

    ``refuse`` (an SMTP reply such as ``"451 4.3.0 try later"``) makes it refuse every
    message until set back to ``None``; ``raw`` keeps the raw bytes. ``stall`` (a count)
    makes that many transactions hang after the message's data arrived, before the
    server answers (``stalled`` is set then), as a slow server does: a client killed
    meanwhile has sent a mail that was never accepted.
    """

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.refuse: str | None = None
        self.stall = 0
        self.stalled = threading.Event()
        self._arrived = threading.Condition()
        self._controller = Controller(self, hostname=self.host, port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse
        if self.stall > 0:
            self.stall -= 1
            self.stalled.set()
            await asyncio.sleep(60)
            return "451 4.3.0 stalled"
        raw = bytes(envelope.original_content or envelope.content)
        message = BytesParser(policy=policy.default).parsebytes(raw)
        message.envelope_from = envelope.mail_from  # type: ignore[attr-defined]
        message.envelope_to = list(envelope.rcpt_tos)  # type: ignore[attr-defined]
        with self._arrived:
            self.raw.append(raw)
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def clear(self) -> None:
        with self._arrived:
            self.messages.clear()
            self.raw.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages once at least ``count`` arrived; fails the test after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} mail(s) at the SMTP server, got {len(self.messages)}"
                    )
                self._arrived.wait(left)
            return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope names ``address``."""
        wanted = address.lower()
        return [m for m in self.messages if wanted in (a.lower() for a in m.envelope_to)]  # type: ignore[attr-defined]


@pytest.fixture
def smtp_server() -> Iterator[SMTPSink]:
    """A running SMTP sink (aiosmtpd) on 127.0.0.1 and a free port."""
    sink = SMTPSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


REQUIRE_IMAP_VAR = "FRONTDESK_REQUIRE_IMAP"
DOVECOT_CONF = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
instance_name = frontdesk-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 0
mail_location = maildir:{base}/mail/%u
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


def _dovecot() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot",) if os.access(p, os.X_OK)), None
    )


@dataclass
class ImapServer:
    host: str
    port: int
    username: str
    password: str
    folder: Path

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(self.username, self.password)
        return conn

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put ``raw`` into the mailbox, as a delivered mail."""
        conn = self.connect()
        try:
            status, data = conn.append(folder, None, None, raw)
            assert status == "OK", data
        finally:
            conn.logout()

    def count(self, folder: str = "INBOX") -> int:
        """Messages in ``folder`` not flagged deleted."""
        conn = self.connect()
        try:
            conn.select(folder)
            status, data = conn.uid("SEARCH", None, "UNDELETED")
            return len(data[0].split()) if status == "OK" and data[0] else 0
        finally:
            conn.logout()


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    """A dovecot IMAP server of its own (user ``help``), stopped after the test."""
    with tempfile.TemporaryDirectory(prefix="frontdesk-dovecot-") as folder:
        yield from _dovecot_in(Path(folder))


def _dovecot_in(tmp_path: Path) -> Iterator[ImapServer]:
    binary = _dovecot()
    if binary is None:
        if os.environ.get(REQUIRE_IMAP_VAR):
            pytest.fail(f"dovecot is not installed and {REQUIRE_IMAP_VAR} is set")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    base = tmp_path / "dovecot"
    for sub in ("run", "state", "mail", "home"):
        (base / sub).mkdir(parents=True)
    me = pwd.getpwuid(os.getuid())
    if os.getuid() == 0:
        # Dovecot refuses to read mail as root: its own users serve the mail folders.
        mail_user = pwd.getpwnam("dovecot")
        login_user, internal = "dovenull", "dovecot"
        for sub in ("mail", "home"):
            os.chown(base / sub, mail_user.pw_uid, mail_user.pw_gid)
        os.chmod(tmp_path, 0o755)  # noqa: S103 (dovecot's users must reach the folders)
        os.chmod(base, 0o755)  # noqa: S103
    else:
        mail_user, login_user, internal = me, me.pw_name, me.pw_name
    port = free_port()
    conf = base / "dovecot.conf"
    conf.write_text(
        DOVECOT_CONF.format(
            base=base,
            port=port,
            password="imap-test-pw",
            login_user=login_user,
            internal_user=internal,
            internal_group=internal if os.getuid() == 0 else _group_name(me.pw_gid),
            uid=mail_user.pw_uid,
            gid=mail_user.pw_gid,
        )
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = base / "dovecot.log"
                    err = process.stderr.read().decode() if process.stderr else ""
                    pytest.fail(
                        f"dovecot did not start: {err} {log.read_text() if log.exists() else ''}"
                    )
                time.sleep(0.05)
        yield ImapServer("127.0.0.1", port, "help", "imap-test-pw", base)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name
