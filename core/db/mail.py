"""E-mail tables: department mailboxes and the inbound mail log (with its quarantine)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from frontdesk.db.meta import Base, utcnow
from frontdesk.db.users import Department


class Mailbox(Base):
    """A department's mail address and the IMAP mailbox its mail is fetched from."""

    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), unique=True
    )
    #: The address customers write to; also From/Reply-To of the department's mail.
    address: Mapped[str] = mapped_column(String(254))
    imap_host: Mapped[str] = mapped_column(String(255), default="")
    imap_port: Mapped[int] = mapped_column(Integer, default=993)
    #: ``tls`` | ``starttls`` | ``none``.
    imap_security: Mapped[str] = mapped_column(String(10), default="tls")
    imap_username: Mapped[str] = mapped_column(String(255), default="")
    #: Encrypted with a key derived from the installation secret; never shown back.
    imap_password: Mapped[str] = mapped_column(Text, default="")
    imap_folder: Mapped[str] = mapped_column(String(255), default="INBOX")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_checked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)

    department: Mapped[Department] = relationship()


class InboundStatus(enum.StrEnum):
    #: Stored, not processed yet (a job will).
    PENDING = "pending"
    #: Opened a ticket.
    TICKET = "ticket"
    #: Added a reply to a ticket.
    REPLY = "reply"
    #: Not processed on purpose: auto-reply, bounce, list mail, rate limit.
    IGNORED = "ignored"
    #: Could not be processed; kept for an administrator (retry or discard).
    QUARANTINED = "quarantined"
    #: An administrator discarded it from the quarantine.
    DISCARDED = "discarded"


class InboundMail(Base):
    """Every mail received, once: the digest of its bytes is unique, so a mail fetched
    twice (or piped twice) is processed once."""

    __tablename__ = "inbound_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the raw bytes (hex).
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"), default=None
    )
    sender: Mapped[str] = mapped_column(String(254), default="", index=True)
    subject: Mapped[str] = mapped_column(String(255), default="")
    message_id: Mapped[str] = mapped_column(String(255), default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default=InboundStatus.PENDING.value, index=True)
    #: Why it was ignored or quarantined: a code of ``frontdesk.mail.inbound.REASONS``.
    reason: Mapped[str] = mapped_column(String(50), default="")
    #: Details for administrators (the error, the file refused...).
    detail: Mapped[str] = mapped_column(Text, default="")
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), default=None
    )
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    processed_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    department: Mapped[Department | None] = relationship()
