"""Settings an administrator can change at run time, with the ini file as the fallback.

A few switches (self-registration, re-authentication, upload limits...) start out as ini
settings named ``frontdesk.<key>`` and can be overridden on the management interface's
Settings page, which stores the new value in the ``settings`` table under ``<key>``. Every
process reads the database value when one is stored, else the ini value, else the
default below, so a change takes effect at once everywhere::

    from frontdesk.settings import get_flag

    if get_flag(request.dbsession, request.registry.settings, "portal.registration"):
        ...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.settings import asbool
from sqlalchemy.orm import Session

from frontdesk.db.state import get_setting

#: Customers may create their own accounts on the portal.
PORTAL_REGISTRATION = "portal.registration"
#: Self-registered accounts log in only after following a link mailed to their address.
PORTAL_VERIFY_EMAIL = "portal.verify_email"
#: Visitors who are not logged in may submit tickets with an email address.
PORTAL_ANONYMOUS_TICKETS = "portal.anonymous_tickets"
#: Staff logged into the portal log in again to enter the management interface.
MANAGEMENT_REAUTH = "management.reauth"
#: Largest attachment, in bytes.
ATTACHMENTS_MAX_SIZE = "attachments.max_size"
#: Most attachments on one message.
ATTACHMENTS_MAX_FILES = "attachments.max_files"

#: Largest attachment and most attachments per message when nothing else is set.
DEFAULT_MAX_SIZE = 10 * 1024 * 1024
DEFAULT_MAX_FILES = 5

#: The value when neither the database nor the ini file has one.
DEFAULTS: dict[str, Any] = {
    PORTAL_REGISTRATION: False,
    PORTAL_VERIFY_EMAIL: False,
    PORTAL_ANONYMOUS_TICKETS: False,
    MANAGEMENT_REAUTH: True,
    ATTACHMENTS_MAX_SIZE: DEFAULT_MAX_SIZE,
    ATTACHMENTS_MAX_FILES: DEFAULT_MAX_FILES,
}


def ini_name(key: str) -> str:
    """The ini setting behind ``key``: ``frontdesk.<key>``."""
    return f"frontdesk.{key}"


def _raw(db: Session, registry_settings: Mapping[str, Any], key: str) -> Any:
    stored = get_setting(db, key)
    if stored is not None:
        return stored
    return registry_settings.get(ini_name(key))


def get_flag(
    db: Session, registry_settings: Mapping[str, Any], key: str, default: bool | None = None
) -> bool:
    """The on/off setting ``key``: the database value when one is stored, else the ini
    value of ``frontdesk.<key>``, else ``default`` (or the known default for ``key``)."""
    value = _raw(db, registry_settings, key)
    if value is None or str(value).strip() == "":
        return bool(DEFAULTS.get(key, False) if default is None else default)
    return asbool(value)


def get_int(
    db: Session, registry_settings: Mapping[str, Any], key: str, default: int | None = None
) -> int:
    """The whole-number setting ``key``, looked up like :func:`get_flag`; a value that is
    not a number counts as missing."""
    fallback = int(DEFAULTS.get(key, 0) if default is None else default)
    value = _raw(db, registry_settings, key)
    try:
        return int(str(value).strip()) if value is not None else fallback
    except ValueError:
        return fallback


def get_choice(
    db: Session,
    registry_settings: Mapping[str, Any],
    key: str,
    choices: tuple[str, ...],
) -> str:
    """The setting ``key`` when it is one of ``choices`` (looked up like
    :func:`get_flag`), else the first choice, the default."""
    value = str(_raw(db, registry_settings, key) or "").strip().lower()
    return value if value in choices else choices[0]


def flag_value(value: bool) -> str:
    """How a flag is stored in the settings table."""
    return "true" if value else "false"
