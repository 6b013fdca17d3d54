"""Department mailboxes: the address a department's mail comes from and goes to, and the
IMAP mailbox its incoming mail is fetched from.

The IMAP password is stored encrypted (Fernet, with a key derived from the installation's
session secret, so a copy of the database alone does not reveal it) and never shown back:
:func:`save_mailbox` keeps the stored one when no new password is given.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import imaplib
import socket
import ssl
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.mail import Mailbox
from frontdesk.db.users import Department
from frontdesk.i18n import TranslationString, _
from frontdesk.identity.accounts import EMAIL_RE, ValidationError
from frontdesk.identity.sessions import session_secret

SECURITY_CHOICES = ("tls", "starttls", "none")
DEFAULT_PORTS = {"tls": 993, "starttls": 143, "none": 143}
#: Seconds an IMAP connection may take to answer.
IMAP_TIMEOUT = 20


def _fernet(settings: Mapping[str, Any]) -> Fernet:
    # Derived with a purpose label, so the key differs from the one that signs cookies.
    secret = session_secret(settings)
    key = hashlib.sha256(b"frontdesk.mail.mailbox-password\0" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_password(settings: Mapping[str, Any], password: str) -> str:
    """``password`` encrypted for the ``imap_password`` column."""
    return _fernet(settings).encrypt(password.encode("utf-8")).decode("ascii") if password else ""


def decrypt_password(settings: Mapping[str, Any], mailbox: Mailbox) -> str:
    """The mailbox's IMAP password; empty when none is stored or the secret changed."""
    if not mailbox.imap_password:
        return ""
    try:
        return _fernet(settings).decrypt(mailbox.imap_password.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        return ""


def list_mailboxes(db: Session) -> list[Mailbox]:
    """Every mailbox, by department name."""
    return list(db.scalars(select(Mailbox).join(Mailbox.department).order_by(Department.name)))


def mailbox_for_department(db: Session, department_id: int) -> Mailbox | None:
    return db.scalar(select(Mailbox).where(Mailbox.department_id == department_id))


def address_for_department(db: Session, department_id: int | None) -> str | None:
    """The department's mail address (From/Reply-To of its mail), if it has a mailbox."""
    if department_id is None:
        return None
    return db.scalar(
        select(Mailbox.address).where(
            Mailbox.department_id == department_id, Mailbox.active.is_(True)
        )
    )


def save_mailbox(
    db: Session,
    settings: Mapping[str, Any],
    *,
    department_id: int,
    address: str,
    imap_host: str = "",
    imap_port: int | None = None,
    imap_security: str = "tls",
    imap_username: str = "",
    imap_password: str | None = None,
    imap_folder: str = "INBOX",
    active: bool = True,
) -> Mailbox:
    """Create or change the department's mailbox; raises
    :class:`~frontdesk.identity.accounts.ValidationError` with per-field messages.

    ``imap_password=None`` (or empty) keeps the stored password.
    """
    errors: dict[str, TranslationString] = {}
    address = address.strip()
    if not EMAIL_RE.match(address) or len(address) > 254:
        errors["address"] = _("Enter an email address like name@example.com.")
    department = db.get(Department, department_id)
    if department is None:
        errors["department"] = _("Choose a department.")
    if imap_security not in SECURITY_CHOICES:
        errors["imap_security"] = _("Choose TLS, STARTTLS or none.")
    port = DEFAULT_PORTS.get(imap_security, 993) if imap_port is None else imap_port
    if not 0 < port < 65536:
        errors["imap_port"] = _("Enter a port between 1 and 65535.")
    imap_host = imap_host.strip()
    if any(c.isspace() for c in imap_host) or len(imap_host) > 255:
        errors["imap_host"] = _("Enter a host name, like imap.example.com.")
    folder = imap_folder.strip() or "INBOX"
    if errors:
        raise ValidationError(errors)
    mailbox = mailbox_for_department(db, department_id) or Mailbox(department_id=department_id)
    mailbox.address = address
    mailbox.imap_host = imap_host
    mailbox.imap_port = port
    mailbox.imap_security = imap_security
    mailbox.imap_username = imap_username.strip()
    mailbox.imap_folder = folder
    mailbox.active = active
    if imap_password:
        mailbox.imap_password = encrypt_password(settings, imap_password)
    db.add(mailbox)
    db.flush()
    return mailbox


def connect(mailbox: Mailbox, password: str) -> imaplib.IMAP4:
    """A logged-in IMAP connection with the mailbox's folder selected."""
    if mailbox.imap_security == "tls":
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            mailbox.imap_host,
            mailbox.imap_port,
            ssl_context=ssl.create_default_context(),
            timeout=IMAP_TIMEOUT,
        )
    else:
        conn = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=IMAP_TIMEOUT)
        if mailbox.imap_security == "starttls":
            conn.starttls(ssl.create_default_context())
    try:
        conn.login(mailbox.imap_username, password)
        status, _data = conn.select(_quoted(mailbox.imap_folder))
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {mailbox.imap_folder!r}")
    except BaseException:
        disconnect(conn)
        raise
    return conn


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def disconnect(conn: imaplib.IMAP4) -> None:
    """Log out, ignoring a connection that is already gone."""
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        conn.logout()


def test_connection(
    mailbox: Mailbox, settings: Mapping[str, Any], *, password: str | None = None
) -> TranslationString | None:
    """Log into the mailbox and open its folder: ``None`` when that works, else why not.

    ``password`` tests a password typed into a form before it is saved; by default the
    stored one is used.
    """
    if not mailbox.imap_host:
        return _("No IMAP server is set for this mailbox.")
    secret = password if password else decrypt_password(settings, mailbox)
    try:
        conn = connect(mailbox, secret)
    except (socket.gaierror, ConnectionRefusedError) as exc:
        return _(
            "Cannot reach ${host}: ${error}", mapping={"host": mailbox.imap_host, "error": str(exc)}
        )
    except TimeoutError:
        return _("${host} did not answer in time.", mapping={"host": mailbox.imap_host})
    except ssl.SSLError as exc:
        return _("The secure connection failed: ${error}", mapping={"error": str(exc)})
    except imaplib.IMAP4.error as exc:
        return _("The server refused: ${error}", mapping={"error": _decoded(exc)})
    except OSError as exc:
        return _(
            "Cannot reach ${host}: ${error}", mapping={"host": mailbox.imap_host, "error": str(exc)}
        )
    disconnect(conn)
    return None


def _decoded(exc: Exception) -> str:
    value = exc.args[0] if exc.args else exc
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
