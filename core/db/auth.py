"""Login throttling, rate limits and per-department permission grants."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from frontdesk.db.meta import Base, utcnow


class LoginThrottle(Base):
    """Failed logins for one key (``account:<login>|<ip>``, ``address:<ip>``, ...)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: The (case-folded) login an ``account:`` row locks, so that it can be unlocked.
    account: Mapped[str | None] = mapped_column(String(150), index=True, default=None)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    last_failure: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RateLimit(Base):
    """Writes counted for one key (``tickets:user:<id>``, ...) in the current window."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    window_start: Mapped[dt.datetime]
    hits: Mapped[int] = mapped_column(Integer)


def upsert(db: Session) -> Any:
    """The database's own ``insert`` construct, which offers ``ON CONFLICT`` (the counters
    above are written by many requests at once)."""
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.get_bind().dialect.name]


class PermissionGrant(Base):
    """A permission an administrator granted an agent, in one department or globally.

    Where an agent has grant rows for a department (or for ``department_id`` NULL:
    permissions not tied to a department), exactly those apply there; elsewhere the
    permission declarations' default roles do.
    """

    __tablename__ = "permission_grants"
    __table_args__ = (UniqueConstraint("user_id", "department_id", "permission"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), default=None
    )
    permission: Mapped[str] = mapped_column(String(150))


class RevokedSession(Base):
    """A session logged out before it expired: its signed cookie must not work again."""

    __tablename__ = "revoked_sessions"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
