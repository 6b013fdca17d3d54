"""The workspace's own table: canned replies (on core's declarative base)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from frontdesk.db.meta import Base, utcnow
from frontdesk.db.users import User


class CannedReply(Base):
    """A prepared answer an agent inserts into the reply box.

    ``owner_id`` is the agent it belongs to; ``None`` makes it shared with every agent
    (editing shared replies needs ``management:canned:manage_shared``).
    """

    __tablename__ = "management_canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    owner: Mapped[User | None] = relationship()

    @property
    def shared(self) -> bool:
        return self.owner_id is None
