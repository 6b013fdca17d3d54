"""The mails of account self-service, queued through :func:`frontdesk.mail.queue_mail`
in the recipient's language (their own choice, else the page's)."""

from __future__ import annotations

import datetime as dt
import secrets

from pyramid.request import Request

from frontdesk import mail
from frontdesk.db.users import User
from frontdesk.i18n import _
from frontdesk.identity.tokens import CONFIRMATION_LIFETIME, RESET_LIFETIME, Purpose


def _minutes(lifetime: dt.timedelta) -> int:
    return int(lifetime.total_seconds() // 60)


def _hours(lifetime: dt.timedelta) -> int:
    return int(lifetime.total_seconds() // 3600)


def _queue(request: Request, user: User, to: str, subject: object, body: object) -> None:
    mail.queue_mail(
        request.dbsession,
        to=to,
        subject=subject,
        body=body,
        locale=user.locale or request.locale_name,
        key=f"account.{secrets.token_hex(12)}",
    )


def send_reset(request: Request, user: User, link: str) -> None:
    """The "forgot password" mail with its single-use ``link``."""
    _queue(
        request,
        user,
        user.email or "",
        _("Reset your password"),
        _(
            "Hello ${name},\n\nsomeone (we hope you) asked to reset the password of your "
            "account ${username}. Choose a new password here:\n\n${link}\n\nThe link works "
            "once, within ${minutes} minutes. If you did not ask for it, ignore this mail: your "
            "password stays as it is.",
            mapping={
                "name": user.display_name,
                "username": user.username,
                "link": link,
                "minutes": _minutes(RESET_LIFETIME),
            },
        ),
    )


def send_confirmation(
    request: Request, user: User, email: str, purpose: Purpose, link: str
) -> None:
    """The mail that confirms ``email`` (sent to that address, not the old one)."""
    if purpose == Purpose.REGISTRATION:
        subject = _("Confirm your email address")
        intro = _(
            "Hello ${name},\n\nthank you for registering. Confirm your email address to "
            "log in:\n\n${link}\n\nThe link works for ${hours} hours.",
            mapping={
                "name": user.display_name,
                "link": link,
                "hours": _hours(CONFIRMATION_LIFETIME),
            },
        )
    else:
        subject = _("Confirm your new email address")
        intro = _(
            "Hello ${name},\n\nconfirm that this is the new email address of your account "
            "${username}:\n\n${link}\n\nUntil you do, mail goes to your old address. The "
            "link works for ${hours} hours. If you did not ask for this, ignore this mail.",
            mapping={
                "name": user.display_name,
                "username": user.username,
                "link": link,
                "hours": _hours(CONFIRMATION_LIFETIME),
            },
        )
    _queue(request, user, email, subject, intro)
