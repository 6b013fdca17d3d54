"""The audit log of administrative changes: who did what, to what, when."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from frontdesk.db.meta import Base, utcnow
from frontdesk.db.users import User


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The actor's username at the time (kept if the user is later removed).
    actor_name: Mapped[str] = mapped_column(String(150))
    #: Dotted verb such as ``department.create`` or ``plugin.disable``.
    action: Mapped[str] = mapped_column(String(100), index=True)
    #: What it was done to, e.g. ``department Sales`` or ``plugin chat``.
    target: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship()
