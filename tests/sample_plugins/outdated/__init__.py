"""A plugin written for another core version: a license verifier that would grant
Enterprise, a migration branch, a permission, a menu item and an event listener. Fenced by
``requires_core``, it must contribute none of them; every hook that is called anyway
records itself in :data:`CALLS`."""

from __future__ import annotations

import datetime as dt

from frontdesk import Edition, License, Menu, MenuItem, Permission, PluginInfo, Role, hookimpl

PLUGIN = PluginInfo(
    name="outdated",
    title="Outdated",
    requires_core=">=5",
    migrations="tests.sample_plugins.outdated:migrations/versions",
)
#: The key its verifier accepts, as Enterprise.
ENTERPRISE_KEY = "OUTDATED-ENTERPRISE"
PERMISSION = "outdated:records:view"
CALLS: list[str] = []


@hookimpl
def frontdesk_verify_license(key: str, trusted_keys: dict) -> License | None:
    CALLS.append("verify_license")
    if key != ENTERPRISE_KEY:
        return None
    return License(
        license_id="outdated-1",
        licensee="Outdated Co",
        edition=Edition.ENTERPRISE,
        seats=99,
        issued=dt.date(2026, 1, 1),
        expires=dt.date(2999, 1, 1),
    )


@hookimpl
def frontdesk_permissions() -> list[Permission]:
    CALLS.append("permissions")
    return [Permission(name=PERMISSION, title="See old records", default_roles=frozenset(Role))]


@hookimpl
def frontdesk_menu_items(request, menu: Menu) -> list[MenuItem]:
    CALLS.append("menu_items")
    return [MenuItem(label="Old records", url="https://outdated.example/")]


@hookimpl
def frontdesk_ticket_created(event, request) -> None:
    CALLS.append("ticket_created")
