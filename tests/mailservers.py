"""Real mail servers for tests: an SMTP sink (aiosmtpd) started by a fixture.

Use it from any test module::

    from tests.mailservers import smtp_server  # noqa: F401  (the fixture)

    def test_sends(smtp_server):
        ...  # point frontdesk.mail.smtp_host/port at smtp_server.host/port
        [message] = smtp_server.wait_for(1)

``smtp_server.messages`` holds every mail received so far, parsed as
``email.message.EmailMessage`` (with ``.envelope_from``/``.envelope_to`` attributes set
on each); ``wait_for(count, timeout)`` waits until at least ``count`` arrived.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
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
    message until set back to ``None``; ``envelopes`` keeps the raw bytes.
    """

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.refuse: str | None = None
        self._arrived = threading.Condition()
        self._controller = Controller(self, hostname=self.host, port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse
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
