"""Outgoing mail and notification choices (migration 0011).

``outgoing_mails`` keeps one row per mail frontdesk sends, keyed by its idempotency key:
what to send (the message as queued, translated when it is sent), where the sending
stands (``queued``, ``sending``, ``sent``, ``retrying``, ``failed``) and why it failed.
``notification_choices`` keeps the notification kinds a user switched on or off; a
kind without a row follows the administrators' default.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.meta import Base, utcnow


class OutgoingMail(Base):
    __tablename__ = "outgoing_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The idempotency key: a mail is sent at most once per key.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    #: The subject as last rendered (English until the mail is sent, then as sent).
    subject: Mapped[str] = mapped_column(String(400), default="")
    locale: Mapped[str | None] = mapped_column(String(35), default=None)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"), default=None
    )
    #: The message as queued: subject and body (translation strings serialised), headers.
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Fixed before the first attempt, so a resent mail keeps its Message-ID.
    message_id: Mapped[str | None] = mapped_column(String(250), default=None)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class NotificationChoice(Base):
    __tablename__ = "notification_choices"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
