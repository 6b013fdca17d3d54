"""The ticketlog plugin's table, on core's declarative base."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.meta import Base


class LogEntry(Base):
    """One line per ticket created, written in the phase named by ``phase``."""

    __tablename__ = "ticketlog_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    phase: Mapped[str] = mapped_column(String(20))
    department: Mapped[str | None] = mapped_column(String(100))
    requester_email: Mapped[str | None] = mapped_column(String(255))
