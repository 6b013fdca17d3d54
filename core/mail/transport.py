"""Where mail goes: an SMTP server, or ``.eml`` files for development.

ini settings (``frontdesk.mail.*``):

``transport``
    ``smtp`` (default) or ``files``.
``files_dir``
    Where the files transport writes ``<message id>.eml`` (default ``var/mail``).
``smtp_host``, ``smtp_port`` (587), ``smtp_security`` (``none``, ``starttls``, ``tls``),
``smtp_username``, ``smtp_password``, ``smtp_timeout`` (seconds, 30)
    The SMTP server and how to log in to it.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

__all__ = ["FilesTransport", "SMTPTransport", "Transport", "TransportError", "transport_for"]

PREFIX = "frontdesk.mail."
SECURITY = ("none", "starttls", "tls")


class TransportError(Exception):
    """The mail settings in the ini are unusable (one line, for the log and the CLI)."""


class Transport(Protocol):
    def send(self, message: EmailMessage, *, sender: str, recipients: list[str]) -> None:
        """Deliver ``message``; raise when it was not accepted."""

    def describe(self) -> str:
        """One line for the startup log."""


@dataclass(frozen=True)
class SMTPTransport:
    host: str
    port: int = 587
    security: str = "starttls"
    username: str = ""
    password: str = ""
    timeout: float = 30.0

    def send(self, message: EmailMessage, *, sender: str, recipients: list[str]) -> None:
        context = ssl.create_default_context()
        if self.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password)
            client.send_message(message, from_addr=sender, to_addrs=recipients)

    def describe(self) -> str:
        return f"mail is sent through SMTP at {self.host}:{self.port} ({self.security})"


@dataclass(frozen=True)
class FilesTransport:
    folder: Path

    def send(self, message: EmailMessage, *, sender: str, recipients: list[str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", str(message["Message-ID"] or "mail")).strip("_")
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(message.as_bytes())
        # A whole file or none: a reader never sees half a mail.
        os.replace(temporary, self.folder / f"{name}.eml")

    def describe(self) -> str:
        return f"mail is not sent: each mail is written as an .eml file under {self.folder}"


def _setting(settings: Mapping[str, Any], name: str, default: str = "") -> str:
    return str(settings.get(PREFIX + name, default) or default).strip()


def transport_for(settings: Mapping[str, Any]) -> Transport:
    """The transport the ini settings describe; :class:`TransportError` when unusable."""
    kind = _setting(settings, "transport", "smtp").lower()
    if kind == "files":
        folder = _setting(settings, "files_dir") or str(Path("var") / "mail")
        return FilesTransport(Path(os.path.normpath(os.path.abspath(folder))))
    if kind != "smtp":
        raise TransportError(f"{PREFIX}transport must be smtp or files, not {kind!r}")
    security = _setting(settings, "smtp_security", "starttls").lower()
    if security not in SECURITY:
        raise TransportError(
            f"{PREFIX}smtp_security must be none, starttls or tls, not {security!r}"
        )
    default_port = "465" if security == "tls" else "587"
    try:
        port = int(_setting(settings, "smtp_port", default_port))
        timeout = float(_setting(settings, "smtp_timeout", "30"))
    except ValueError as error:
        raise TransportError(f"{PREFIX}smtp_port and smtp_timeout must be numbers") from error
    return SMTPTransport(
        host=_setting(settings, "smtp_host", "localhost"),
        port=port,
        security=security,
        username=_setting(settings, "smtp_username"),
        password=str(settings.get(PREFIX + "smtp_password", "") or ""),
        timeout=timeout,
    )
