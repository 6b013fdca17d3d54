"""The license service: install, inspect and remove the installation's license, and the
agent seats it grants. The CLI and the admin page both go through here.

Rules:

- A key is verified through the plugins' ``frontdesk_verify_license`` hook (the built-in
  Ed25519 verifier answers last) against :func:`~frontdesk.license_keys.trusted_public_keys`.
  A key that is malformed, altered, signed by an untrusted key, already expired, not valid
  yet (issued on a later day) or that no verifier reads is refused with
  :class:`LicenseError`; nothing is written then, so the license in force stays what it was.
- Seats bound the *active staff*: active users whose role is agent or administrator. With
  no license, or one that expired, the edition is Free, and Free has no seat limit, so
  staff are never locked out by a lapsed license. A valid Professional or Enterprise
  license allows at most ``seats`` active staff.
- A license with fewer seats than there are active staff is still installed: nobody is
  deleted or deactivated, but no agent or administrator can be added or reactivated until
  enough are deactivated (or a license with more seats is installed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.db.state import StateVersion, get_setting, set_setting
from frontdesk.db.users import User
from frontdesk.license_keys import KeyConfigError, trusted_public_keys
from frontdesk.licensing import Edition, License, LicenseRefusal
from frontdesk.permissions import Role

if TYPE_CHECKING:  # pragma: no cover
    from frontdesk.pluginmanager import Plugins

#: The settings-table key holding the installed license key.
LICENSE_SETTING = "license.key"
STAFF_ROLES = (Role.AGENT.value, Role.ADMINISTRATOR.value)
NO_VERIFIER = (
    "No installed verifier can read this license key: it is not a frontdesk license key "
    "(those start with FD1.), or the plugin that reads its format is not installed."
)


class LicenseError(Exception):
    """A license key was refused; ``message`` says why, for the administrator."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _trusted_keys(settings: Mapping[str, Any]) -> dict[str, bytes]:
    try:
        return trusted_public_keys(settings)
    except (KeyConfigError, OSError) as exc:
        raise LicenseError(f"A trusted public key cannot be read: {exc}") from exc


def normalise_key(key: str) -> str:
    """The key as stored: surrounding whitespace dropped; an FD1 key, which may have been
    wrapped when pasted, is also joined back into one line."""
    key = key.strip()
    compact = "".join(key.split())
    return compact if compact.startswith("FD1.") else key


def verify_key(plugins: Plugins, settings: Mapping[str, Any], key: str) -> License:
    """The License ``key`` carries (expired or not), else :class:`LicenseError`."""
    key = normalise_key(key)
    if not key:
        raise LicenseError("No license key was given.")
    verdict = plugins.hook.frontdesk_verify_license(key=key, trusted_keys=_trusted_keys(settings))
    if isinstance(verdict, License):
        return verdict
    if isinstance(verdict, LicenseRefusal):
        raise LicenseError(verdict.reason)
    raise LicenseError(NO_VERIFIER)


def install_license(
    db: Session,
    plugins: Plugins,
    settings: Mapping[str, Any],
    key: str,
    *,
    today: dt.date | None = None,
) -> License:
    """Verify ``key`` and make it the installation's license (every process follows within
    ``frontdesk.state_check_interval``). Raises :class:`LicenseError` and changes nothing
    when the key is refused, including a key that has already expired."""
    license = verify_key(plugins, settings, key)
    if license.is_premature(today):
        raise LicenseError(
            f"This license for {license.licensee} is not valid before "
            f"{license.issued.isoformat()}; install it on that day (if that day has come, "
            "check this server's clock)."
        )
    if license.is_expired(today):
        raise LicenseError(
            f"This license for {license.licensee} expired on {license.expires.isoformat()}; "
            "ask for a current key."
        )
    set_setting(db, LICENSE_SETTING, normalise_key(key), bumps_state=True)
    return license


def remove_license(db: Session) -> bool:
    """Uninstall the license (the Free edition is then in force); whether there was one."""
    if get_setting(db, LICENSE_SETTING) is None:
        return False
    set_setting(db, LICENSE_SETTING, None, bumps_state=True)
    return True


def current_license(
    db: Session, plugins: Plugins, settings: Mapping[str, Any], *, today: dt.date | None = None
) -> tuple[License | None, str | None]:
    """The installed license and, when it grants nothing, why.

    - no key installed: ``(None, None)``;
    - a valid key: ``(license, None)``;
    - an expired key: ``(license, "... expired on ...")`` (the Free edition is in force);
    - a key refused now (its signer is no longer trusted, say, or it is not valid before
      a later day, the server's clock having been wrong at installation): ``(None, reason)``.
    """
    key = get_setting(db, LICENSE_SETTING)
    if not key:
        return None, None
    try:
        license = verify_key(plugins, settings, key)
    except LicenseError as exc:
        return None, exc.message
    if license.is_premature(today):
        return None, (
            f"The {license.edition.title} license for {license.licensee} is not valid before "
            f"{license.issued.isoformat()}; the Free edition is in force until then."
        )
    if license.is_expired(today):
        return license, (
            f"The {license.edition.title} license for {license.licensee} expired on "
            f"{license.expires.isoformat()}; the Free edition is in force."
        )
    return license, None


def active_agent_count(db: Session) -> int:
    """Active staff: active users whose role is agent or administrator (what seats count)."""
    return db.scalar(
        select(func.count(User.id)).where(User.active.is_(True), User.role.in_(STAFF_ROLES))
    )


def seat_limit(license: License | None, today: dt.date | None = None) -> int | None:
    """How many active staff ``license`` allows; ``None`` for no limit.

    No license, one not in force (expired or not valid yet) or a Free-edition one means the
    Free edition, which has no seat limit: a lapsed license never locks agents out.
    """
    if license is None or not license.in_force(today) or license.edition == Edition.FREE:
        return None
    return license.seats


def current_seat_limit(db: Session, plugins: Plugins, settings: Mapping[str, Any]) -> int | None:
    """The seat limit of the license in force (``None``: unlimited)."""
    return seat_limit(current_license(db, plugins, settings)[0])


def seats_message(limit: int) -> str:
    return (
        f"All {limit} agent seats of the license are in use; "
        "deactivate an agent or install a license with more seats."
    )


def seat_problem(db: Session, limit: int | None) -> str | None:
    """Why one more active agent or administrator does not fit in ``limit``, or ``None``.

    On PostgreSQL this locks the state-version row until the transaction ends, so two
    concurrent additions cannot both take the last seat (SQLite serialises writers anyway).
    """
    if limit is None:
        return None
    db.execute(select(StateVersion.id).where(StateVersion.id == 1).with_for_update())
    if active_agent_count(db) >= limit:
        return seats_message(limit)
    return None
