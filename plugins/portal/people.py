"""Who a portal form speaks for: registered customers, and visitors known by email
(:func:`requester_for_email` and :func:`accounts_with_email` live in core,
``frontdesk.identity.contacts``, since incoming mail needs them too)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from frontdesk.db.users import User
from frontdesk.i18n import TranslationString
from frontdesk.identity.accounts import EMAIL_RE
from frontdesk.identity.contacts import accounts_with_email, requester_for_email
from frontdesk.plugin_platform.permissions import Role
from frontdesk.plugins.portal.i18n import _

__all__ = ["accounts_with_email", "check_contact", "email_is_registered", "requester_for_email"]

MAX_NAME = 150
MAX_EMAIL = 254


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
