"""The core's own contributions, made through the same hooks any plugin uses."""

from __future__ import annotations

from pyramid.request import Request

from frontdesk.auth import check_local_password
from frontdesk.db.users import User
from frontdesk.permissions import Permission, Role
from frontdesk.pluginmanager import PluginInfo, hookimpl

PLUGIN = PluginInfo(
    name="core",
    title="Core",
    description="Users, departments, tickets, licensing and the plugin machinery.",
)


@hookimpl
def frontdesk_permissions() -> list[Permission]:
    return [
        Permission(
            name="core:plugins:manage",
            title="Switch plugins on and off",
            default_roles=frozenset({Role.ADMINISTRATOR}),
        ),
        Permission(
            name="core:license:manage",
            title="Install and remove the license",
            default_roles=frozenset({Role.ADMINISTRATOR}),
        ),
    ]


@hookimpl(trylast=True)
def frontdesk_authenticate(request: Request, login: str, password: str) -> User | None:
    """The local password store answers after any directory a plugin adds."""
    return check_local_password(request.dbsession, login, password)
