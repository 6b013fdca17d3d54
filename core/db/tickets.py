"""Tickets, their messages and attachments: the shared domain of every interface."""

from __future__ import annotations

import datetime as dt
import enum

from markupsafe import Markup
from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from frontdesk.db.meta import Base, utcnow
from frontdesk.db.text import render_markdown
from frontdesk.db.users import Department, User


class TicketStatus(enum.StrEnum):
    OPEN = "open"
    WAITING = "waiting"
    ON_HOLD = "on_hold"
    CLOSED = "closed"


class TicketPriority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class MessageKind(enum.StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    NOTE = "note"


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_status_updated", "status", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=TicketStatus.OPEN.value)
    priority: Mapped[str] = mapped_column(String(20), default=TicketPriority.NORMAL.value)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: When an answer is due (agents set it); past it, the ticket counts as overdue.
    due_at: Mapped[dt.datetime | None] = mapped_column(default=None, index=True)
    #: Set when this ticket was merged into another (it is then closed).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), default=None)
    #: Raised by every change: a form loaded at version N cannot silently overwrite N+1,
    #: and concurrent UPDATEs of one ticket fail instead of losing one of them.
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: The new-ticket form submission that created it: the same form sent twice (or five
    #: times at once) makes one ticket.
    submission_token: Mapped[str | None] = mapped_column(String(64), default=None, unique=True)

    __mapper_args__ = {"version_id_col": version}

    department: Mapped[Department | None] = relationship()
    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by="TicketMessage.id", cascade="all, delete-orphan"
    )


class TicketMessage(Base):
    __tablename__ = "ticket_messages"
    __table_args__ = (UniqueConstraint("ticket_id", "submission_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20), default=MessageKind.CUSTOMER.value)
    body: Mapped[str] = mapped_column(Text)
    #: ``body`` as sanitised HTML, rendered whenever ``body`` is set: pages show this and
    #: never render Markdown themselves.
    body_html: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The form submission that created it: a double-clicked submit adds one message.
    submission_token: Mapped[str | None] = mapped_column(String(64), default=None)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan"
    )

    @validates("body")
    def _render_body(self, _key: str, body: str) -> str:
        self.body_html = str(render_markdown(body))
        return body

    @property
    def html(self) -> Markup:
        """The message as stored HTML, ready for a template."""
        return Markup(self.body_html)  # noqa: S704 (sanitised when stored)


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_messages.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    message: Mapped[TicketMessage] = relationship(back_populates="attachments")


class TicketCounter(Base):
    """The last ticket number handed out (one row; incremented under a row lock)."""

    __tablename__ = "ticket_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=1000)
