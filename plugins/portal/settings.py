"""The portal's settings.

Self-registration, anonymous tickets and the upload limits are run-time settings (see
:mod:`frontdesk.settings`): an administrator's value in the database wins, else the
ini's ``frontdesk.<key>``, else the default (off). The welcome text is a database setting.
"""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from frontdesk import settings as runtime_settings
from frontdesk.db.state import get_setting
from frontdesk.plugins.portal.i18n import _
from frontdesk.tickets import attachments
from frontdesk.tickets.attachments import UploadPolicy

#: Customers may create their own accounts at /register (ini ``frontdesk.portal.registration``).
REGISTRATION = runtime_settings.PORTAL_REGISTRATION
#: Self-registered accounts confirm their email address before they log in
#: (ini ``frontdesk.portal.verify_email``).
VERIFY_EMAIL = runtime_settings.PORTAL_VERIFY_EMAIL
#: Visitors who are not logged in may submit tickets with an email address
#: (ini ``frontdesk.portal.anonymous_tickets``).
ANONYMOUS_TICKETS = runtime_settings.PORTAL_ANONYMOUS_TICKETS
#: Database setting: the home page's welcome text (first line: the heading).
WELCOME = "portal.welcome"
#: The greeting while no welcome text is set, in the visitor's language.
DEFAULT_WELCOME = _("How can we help you today?")


def flag(request: Request, key: str) -> bool:
    return runtime_settings.get_flag(request.dbsession, request.registry.settings, key)


def registration_open(request: Request) -> bool:
    return flag(request, REGISTRATION)


def anonymous_tickets(request: Request) -> bool:
    return flag(request, ANONYMOUS_TICKETS)


def upload_policy(request: Request) -> UploadPolicy:
    return attachments.upload_policy(request.dbsession, request.registry.settings)


def welcome_text(request: Request) -> str:
    """The administrator's welcome text (as written), else the translated default."""
    return get_setting(request.dbsession, WELCOME) or request.localizer.translate(DEFAULT_WELCOME)


class FlagPredicate:
    """View predicate ``portal_flag=<key>``: the view matches only while the run-time flag
    is on, so its URL is a plain 404 otherwise (checked before the CSRF token is)."""

    def __init__(self, key: str, config: Any):
        self.key = key

    def text(self) -> str:
        return f"portal_flag = {self.key}"

    phash = text

    def __call__(self, context: Any, request: Request) -> bool:
        return flag(request, self.key)
