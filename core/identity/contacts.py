"""Customers known by their e-mail address: anonymous portal tickets and incoming mail
belong to the customer account with the sender's address, created when there is none."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.db.users import User
from frontdesk.identity.accounts import ValidationError, create_user, find_user
from frontdesk.plugin_platform.permissions import Role


def accounts_with_email(db: Session, email: str) -> list[User]:
    """Every account whose email is ``email``, ignoring case, oldest first."""
    return list(
        db.scalars(
            select(User).where(func.lower(User.email) == email.strip().lower()).order_by(User.id)
        )
    )


def username_for(db: Session, email: str) -> str:
    """A free username made from ``email`` (``casey@example.com``, ``...-2``, ...)."""
    base = re.sub(r"[^a-z0-9._@+-]+", "-", email.lower()).strip("-._@+")[:140] or "customer"
    if len(base) < 2:
        base = f"customer-{base}"
    candidate, n = base, 1
    while find_user(db, candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _customer_among(users: list[User]) -> User | None:
    """The oldest customer account among ``users`` (staff accounts are never used)."""
    return next((u for u in users if u.role == Role.CUSTOMER), None)


def requester_for_email(db: Session, *, name: str, email: str) -> User:
    """The customer a ticket from ``email`` belongs to.

    That is the oldest customer account with this email address, whether its owner logs
    in or not, or else a new customer without a password (nobody can log into it until a
    password is set). The sender gets the same answer either way: nothing tells whether
    an address has an account.
    """
    if (customer := _customer_among(accounts_with_email(db, email))) is not None:
        return customer
    try:
        return create_user(
            db,
            username=username_for(db, email),
            role=Role.CUSTOMER,
            password=None,
            display_name=name[:150],
            email=email,
        )
    except ValidationError as exc:
        # A parallel submission from this address created the customer first.
        customer = _customer_among(accounts_with_email(db, email))
        if "username" not in exc.errors or customer is None:
            raise
        return customer
