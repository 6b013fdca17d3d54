"""The license service: install, inspect and remove the installation's license, and the
agent seats it grants. The CLI and the admin page both go through here.

Rules:

- A key is verified through the plugins' ``frontdesk_verify_license`` hook (the built-in
  Ed25519 verifier answers last) against :func:`~frontdesk.licensing.keys.trusted_public_keys`.
  Only plugins that can run on this core and are not disabled by an administrator verify:
  a plugin switched off contributes nothing, its verifier included.
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
- A plugin's own license (an *entitlement*: an FD1 key whose payload names a product) is
  installed the same way but stored apart, verified only against the keys the plugins
  declaring that product ship, and switches on only those plugins: it never changes the
  edition, and the installation's license never counts as an entitlement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.db.state import StateVersion, get_setting, plugin_switches, set_setting
from frontdesk.db.users import Role, User
from frontdesk.i18n import TranslationString, _
from frontdesk.i18n.messages import inner, plain
from frontdesk.licensing import Edition, License, LicenseRefusal
from frontdesk.licensing.keys import KeyConfigError, decode_public_key, trusted_public_keys
from frontdesk.licensing.tokens import claimed_entitlement
from frontdesk.licensing.tokens import verify as verify_token

if TYPE_CHECKING:  # pragma: no cover
    from frontdesk.plugin_platform.pluginmanager import Plugins

#: The settings-table key holding the installed license key.
LICENSE_SETTING = "license.key"
STAFF_ROLES = (Role.AGENT.value, Role.ADMINISTRATOR.value)
NO_VERIFIER = _(
    "No installed verifier can read this license key: it is not a frontdesk license key "
    "(those start with FD1.), or the plugin that reads its format is not installed or is "
    "disabled."
)
#: Why a needed plugin product has no license in force (see :func:`current_entitlements`).
NO_ENTITLEMENT = _("none is installed")


class LicenseError(Exception):
    """A license key was refused; ``message`` (a translation string, or a verifier's
    plain text) says why, for the administrator."""

    def __init__(self, message: str):
        super().__init__(plain(message))
        self.message = message


def _trusted_keys(settings: Mapping[str, Any]) -> dict[str, bytes]:
    try:
        return trusted_public_keys(settings)
    except (KeyConfigError, OSError) as exc:
        raise LicenseError(
            _("A trusted public key cannot be read: ${problem}", mapping={"problem": str(exc)})
        ) from exc


def normalise_key(key: str) -> str:
    """The key as stored: surrounding whitespace dropped; an FD1 key, which may have been
    wrapped when pasted, is also joined back into one line."""
    key = key.strip()
    compact = "".join(key.split())
    return compact if compact.startswith("FD1.") else key


def _verifiers(db: Session, plugins: Plugins) -> Any:
    """The ``frontdesk_verify_license`` hook without plugins an administrator disabled."""
    switches = plugin_switches(db)
    off = [p.obj for p in plugins.runnable() if not switches.get(p.info.name, True)]
    return plugins.pm.subset_hook_caller("frontdesk_verify_license", remove_plugins=off)


def verify_key(db: Session, plugins: Plugins, settings: Mapping[str, Any], key: str) -> License:
    """The installation License ``key`` carries (expired or not), else
    :class:`LicenseError`."""
    key = normalise_key(key)
    if not key:
        raise LicenseError(_("No license key was given."))
    verify = _verifiers(db, plugins)
    verdict = verify(key=key, trusted_keys=_trusted_keys(settings))
    if isinstance(verdict, License) and verdict.entitlement:
        raise LicenseError(
            _(
                "This key licenses the plugin product '${product}', "
                "not an edition of this installation.",
                mapping={"product": verdict.entitlement},
            )
        )
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
    """Verify ``key`` and make it the installation's license, or, for a plugin's
    entitlement key, that product's license (every process follows within
    ``frontdesk.state_check_interval``). Raises :class:`LicenseError` and changes nothing
    when the key is refused, including a key that has already expired."""
    product = claimed_entitlement(normalise_key(key))
    if product is None:
        license, setting = verify_key(db, plugins, settings, key), LICENSE_SETTING
    else:
        license, setting = verify_entitlement(plugins, key, product), entitlement_setting(product)
    if license.is_premature(today):
        raise LicenseError(
            _(
                "This license for ${licensee} is not valid before ${issued}; install it on "
                "that day (if that day has come, check this server's clock).",
                mapping=_dates(license),
            )
        )
    if license.is_expired(today):
        raise LicenseError(
            _(
                "This license for ${licensee} expired on ${expires}; ask for a current key.",
                mapping=_dates(license),
            )
        )
    set_setting(db, setting, normalise_key(key), bumps_state=True)
    return license


def _dates(license: License) -> dict[str, str]:
    """What messages about ``license`` may name: licensee, edition, issue and expiry."""
    return {
        "licensee": license.licensee,
        "edition": license.edition.title,
        "issued": license.issued.isoformat(),
        "expires": license.expires.isoformat(),
    }


def remove_license(db: Session) -> bool:
    """Uninstall the license (the Free edition is then in force); whether there was one."""
    if get_setting(db, LICENSE_SETTING) is None:
        return False
    set_setting(db, LICENSE_SETTING, None, bumps_state=True)
    return True


def current_license(
    db: Session, plugins: Plugins, settings: Mapping[str, Any], *, today: dt.date | None = None
) -> tuple[License | None, TranslationString | None]:
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
        license = verify_key(db, plugins, settings, key)
    except LicenseError as exc:
        return None, exc.message
    if license.is_premature(today):
        return None, _(
            "The ${edition} license for ${licensee} is not valid before ${issued}; "
            "the Free edition is in force until then.",
            mapping=_dates(license),
        )
    if license.is_expired(today):
        return license, _(
            "The ${edition} license for ${licensee} expired on ${expires}; "
            "the Free edition is in force.",
            mapping=_dates(license),
        )
    return license, None


# --- plugins' own licenses (entitlements) --------------------------------------------------


def entitlement_setting(product: str) -> str:
    """The settings-table key holding the license key of a plugin product."""
    return f"license.entitlement.{product}"


def entitlement_products(plugins: Plugins) -> list[str]:
    """The products the plugins that can run here need a license for."""
    return sorted({p.info.entitlement for p in plugins.runnable() if p.info.entitlement})


def _entitlement_keys(plugins: Plugins, product: str) -> dict[str, bytes]:
    keys = {}
    for plugin in plugins.runnable():
        if plugin.info.entitlement == product:
            for number, text in enumerate(plugin.info.entitlement_keys, 1):
                where = f"plugin:{plugin.info.name}:{number}"
                try:
                    keys[where] = decode_public_key(text, where)
                except KeyConfigError as exc:
                    raise LicenseError(
                        _(
                            "A plugin's public key cannot be read: ${problem}",
                            mapping={"problem": str(exc)},
                        )
                    ) from exc
    return keys


def verify_entitlement(plugins: Plugins, key: str, product: str) -> License:
    """The License of ``product`` that ``key`` carries (expired or not), verified only
    against the keys of the plugins declaring ``product``; else :class:`LicenseError`."""
    if product not in entitlement_products(plugins):
        raise LicenseError(
            _(
                "This key licenses the plugin product '${product}', which no installed "
                "plugin needs.",
                mapping={"product": product},
            )
        )
    verdict = verify_token(normalise_key(key), _entitlement_keys(plugins, product))
    if isinstance(verdict, LicenseRefusal):
        raise LicenseError(verdict.reason)
    if not isinstance(verdict, License) or verdict.entitlement != product:
        raise LicenseError(_("The license key is incomplete or malformed."))
    return verdict


def current_entitlements(
    db: Session, plugins: Plugins, *, today: dt.date | None = None
) -> dict[str, tuple[License | None, TranslationString | None]]:
    """Each needed product's installed license and, when it grants nothing, why (as
    :func:`current_license`; ``(None, NO_ENTITLEMENT)`` without a key)."""
    result: dict[str, tuple[License | None, TranslationString | None]] = {}
    for product in entitlement_products(plugins):
        key = get_setting(db, entitlement_setting(product))
        if not key:
            result[product] = (None, NO_ENTITLEMENT)
            continue
        try:
            license = verify_entitlement(plugins, key, product)
        except LicenseError as exc:
            why = _(
                "the installed key is refused: ${reason}", mapping={"reason": inner(exc.message)}
            )
            result[product] = (None, why)
            continue
        if license.is_premature(today):
            why = _(
                "the one for ${licensee} is not valid before ${issued}", mapping=_dates(license)
            )
            result[product] = (None, why)
        elif license.is_expired(today):
            why = _("the one for ${licensee} expired on ${expires}", mapping=_dates(license))
            result[product] = (license, why)
        else:
            result[product] = (license, None)
    return result


def remove_entitlement(db: Session, product: str) -> bool:
    """Uninstall a plugin product's license; whether there was one."""
    if get_setting(db, entitlement_setting(product)) is None:
        return False
    set_setting(db, entitlement_setting(product), None, bumps_state=True)
    return True


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


def seats_message(limit: int) -> TranslationString:
    return _(
        "All ${count} agent seats of the license are in use; "
        "deactivate an agent or install a license with more seats.",
        mapping={"count": limit},
    )


def seat_problem(db: Session, limit: int | None) -> TranslationString | None:
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
