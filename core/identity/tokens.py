"""Single-use, time-limited account tokens: password reset and e-mail confirmation.

A token is 32 random bytes (URL-safe); the database keeps its SHA-256 digest only.
Redeeming is one conditional ``UPDATE`` (unused and not expired), so two requests racing
with the same link cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from frontdesk.db.meta import utcnow
from frontdesk.db.selfservice import EmailConfirmation, PasswordResetToken
from frontdesk.db.users import User
from frontdesk.identity.accounts import set_password

#: How long a reset link works.
RESET_LIFETIME = dt.timedelta(hours=1)
#: How long an e-mail confirmation link works.
CONFIRMATION_LIFETIME = dt.timedelta(days=2)


class Purpose(StrEnum):
    """Why an address is being confirmed."""

    REGISTRATION = "registration"
    CHANGE = "change"


def new_token() -> tuple[str, str]:
    """A fresh token and the digest that is stored for it."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    """The SHA-256 hex digest kept in place of ``token``."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_reset(db: Session, user: User, *, lifetime: dt.timedelta = RESET_LIFETIME) -> str:
    """A new reset token for ``user``; earlier unused ones stop working."""
    db.execute(
        delete(PasswordResetToken).where(
            PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None)
        )
    )
    token, hashed = new_token()
    db.add(PasswordResetToken(user_id=user.id, token_hash=hashed, expires_at=utcnow() + lifetime))
    db.flush()
    return token


def reset_user(db: Session, token: str) -> User | None:
    """The active user a still-valid reset ``token`` belongs to (nothing is used up)."""
    row = db.scalar(
        select(PasswordResetToken).where(
            PasswordResetToken.token_hash == digest(token),
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > utcnow(),
        )
    )
    if row is None:
        return None
    user = db.get(User, row.user_id)
    return user if user is not None and user.active else None


def redeem_reset(db: Session, token: str, password: str) -> User | None:
    """Use ``token`` to set ``password`` (validated: raises ``ValidationError``); every
    session of the user ends. ``None`` when the token is unknown, used or expired."""
    user = reset_user(db, token)
    if user is None:
        return None
    savepoint = db.begin_nested()
    set_password(db, user, password)  # raises before the token is spent
    claimed = db.execute(
        update(PasswordResetToken)
        .where(
            PasswordResetToken.token_hash == digest(token),
            PasswordResetToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    ).rowcount
    if claimed != 1:  # another request used it first
        savepoint.rollback()
        return None
    # The link reached the account's address: that confirms it, as a registration link would.
    db.execute(
        update(EmailConfirmation)
        .where(
            EmailConfirmation.user_id == user.id,
            EmailConfirmation.purpose == Purpose.REGISTRATION.value,
            EmailConfirmation.email == user.email,
            EmailConfirmation.confirmed_at.is_(None),
        )
        .values(confirmed_at=utcnow())
    )
    savepoint.commit()
    return user


def issue_confirmation(
    db: Session,
    user: User,
    email: str,
    purpose: Purpose,
    *,
    lifetime: dt.timedelta = CONFIRMATION_LIFETIME,
) -> str:
    """A token that confirms ``email`` for ``user``; earlier open ones of this purpose end."""
    db.execute(
        delete(EmailConfirmation).where(
            EmailConfirmation.user_id == user.id,
            EmailConfirmation.purpose == purpose.value,
            EmailConfirmation.confirmed_at.is_(None),
        )
    )
    token, hashed = new_token()
    db.add(
        EmailConfirmation(
            user_id=user.id,
            purpose=purpose.value,
            email=email,
            token_hash=hashed,
            expires_at=utcnow() + lifetime,
        )
    )
    db.flush()
    return token


def confirm_email(db: Session, token: str) -> EmailConfirmation | None:
    """Follow a confirmation link: the address becomes the user's (``change``) or the
    account may log in (``registration``). ``None`` when unknown, used or expired."""
    hashed = digest(token)
    claimed = db.execute(
        update(EmailConfirmation)
        .where(
            EmailConfirmation.token_hash == hashed,
            EmailConfirmation.confirmed_at.is_(None),
            EmailConfirmation.expires_at > utcnow(),
        )
        .values(confirmed_at=utcnow())
    ).rowcount
    if claimed != 1:
        return None
    row = db.scalar(select(EmailConfirmation).where(EmailConfirmation.token_hash == hashed))
    user = db.get(User, row.user_id)
    if row.purpose == Purpose.CHANGE or user.email is None:
        user.email = row.email
    db.flush()
    return row


def pending_change(db: Session, user: User) -> EmailConfirmation | None:
    """The new address ``user`` asked for and has not confirmed yet (still valid)."""
    return db.scalar(
        select(EmailConfirmation).where(
            EmailConfirmation.user_id == user.id,
            EmailConfirmation.purpose == Purpose.CHANGE.value,
            EmailConfirmation.confirmed_at.is_(None),
            EmailConfirmation.expires_at > utcnow(),
        )
    )


def awaiting_verification(db: Session, user: User) -> bool:
    """Whether ``user`` registered with verification on and has not confirmed yet (login
    waits until they do; an expired link still blocks: they ask for a new one)."""
    return (
        db.scalar(
            select(EmailConfirmation.id)
            .where(
                EmailConfirmation.user_id == user.id,
                EmailConfirmation.purpose == Purpose.REGISTRATION.value,
                EmailConfirmation.confirmed_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )
