"""Who a portal form speaks for: registered customers, and visitors known by email."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.db.users import User
from frontdesk.i18n import TranslationString
from frontdesk.identity.accounts import EMAIL_RE, ValidationError, create_user, find_user
from frontdesk.plugin_platform.permissions import Role
from frontdesk.plugins.portal.i18n import _

MAX_NAME = 150
MAX_EMAIL = 254


def accounts_with_email(db: Session, email: str) -> list[User]:
    """Every account whose email is ``email``, ignoring case, oldest first."""
    return list(
        db.scalars(
            select(User).where(func.lower(User.email) == email.strip().lower()).order_by(User.id)
        )
    )


def _is_registered(user: User) -> bool:
    """An account someone logs into (or staff, or blocked): never taken over by email."""
    return bool(user.password_hash) or user.role != Role.CUSTOMER or not user.active


def email_is_registered(db: Session, email: str) -> bool:
    return any(_is_registered(u) for u in accounts_with_email(db, email))


#: Form errors shared by the registration and the anonymous ticket form.
ENTER_NAME = _("Enter your name.")
NAME_TOO_LONG = _("Keep your name under ${max} characters.", mapping={"max": MAX_NAME})


def check_contact(name: str, email: str) -> dict[str, TranslationString]:
    """Errors in an anonymous visitor's name and email address."""
    errors = {}
    if not name:
        errors["name"] = ENTER_NAME
    elif len(name) > MAX_NAME:
        errors["name"] = NAME_TOO_LONG
    if not email:
        errors["email"] = _("Enter your email address, so that we can answer you.")
    elif len(email) > MAX_EMAIL or not EMAIL_RE.match(email):
        errors["email"] = _("Enter an email address like name@example.com.")
    return errors


def _username_for(db: Session, email: str) -> str:
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
    """The customer an anonymous ticket belongs to.

    That is the oldest customer account with this email address, whether its owner logs
    in or not (the ticket then shows among their tickets; a blocked customer's stays
    marked as theirs for the agents), or else a new customer without a password (nobody
    can log into it). The visitor gets the same answer either way: the form never tells
    whether an address has an account.
    """
    if (customer := _customer_among(accounts_with_email(db, email))) is not None:
        return customer
    try:
        return create_user(
            db,
            username=_username_for(db, email),
            role=Role.CUSTOMER,
            password=None,
            display_name=name,
            email=email,
        )
    except ValidationError as exc:
        # A parallel submission from this address created the customer first.
        customer = _customer_among(accounts_with_email(db, email))
        if "username" not in exc.errors or customer is None:
            raise
        return customer
