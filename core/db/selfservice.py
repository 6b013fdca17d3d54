"""Account self-service: password reset tokens and e-mail confirmations.

Only a token's SHA-256 digest is stored: the link in the mail is the one copy of the
token itself, so a read of the database yields no working link.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.meta import Base, utcnow


class PasswordResetToken(Base):
    """A "forgot password" link: single use (``used_at``), valid until ``expires_at``."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class EmailConfirmation(Base):
    """A link that proves ``email`` reaches ``user``: at self-registration
    (``purpose='registration'``, login waits for it) or for a new address
    (``purpose='change'``, the address changes only when it is followed)."""

    __tablename__ = "email_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
