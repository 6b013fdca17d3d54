"""The agents' and administrators' interface, mounted at ``/management/``."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request

from frontdesk import Menu, MenuItem, Permission, PluginInfo, hookimpl
from frontdesk.plugins.management.i18n import _
from frontdesk.plugins.management.permissions import DECLARED, P

# Loading the plugin puts the workspace's table (canned replies) on Base.metadata, as
# its migration branch expects, even where no app is built (migration checks).
from frontdesk.plugins.management.workspace import models as _workspace_models  # noqa: F401

PLUGIN = PluginInfo(
    name="management",
    title=_("Management interface"),
    description=_("Agents answer tickets and chats; administrators configure the help desk."),
    version="0.1.0",
    requires_core=">=0.1,<1",
    migrations="frontdesk.plugins.management:migrations/versions",
)


@hookimpl
def frontdesk_configure(config: Configurator) -> None:
    config.add_route("management.legacy_root", "/management/root.aspx")
    config.add_login_pages(
        interface="management",
        login="/management/login",
        logout="/management/logout",
        password="/management/account/password",
    )
    config.scan(".legacy")
    # The agents' workspace and the administration each wire their own pages.
    config.include(".workspace")
    config.include(".admin")


@hookimpl
def frontdesk_permissions() -> list[Permission]:
    return list(DECLARED)


@hookimpl
def frontdesk_menu_items(request: Request, menu: Menu) -> list[MenuItem]:
    if menu == Menu.MANAGEMENT:
        return [
            MenuItem(
                label=_("Dashboard"),
                route_name="management.home",
                permission=P.DashboardView,
                order=0,
            ),
            MenuItem(
                label=_("Tickets"),
                route_name="management.tickets",
                permission=P.DashboardView,
                order=10,
            ),
            MenuItem(
                label=_("Administration"),
                route_name="management.admin",
                permission=P.SettingsManage,
                order=90,
            ),
        ]
    if menu == Menu.MANAGEMENT_USER:
        return [
            MenuItem(label=_("Portal"), route_name="portal.home", new_window=True, order=0),
            MenuItem(
                label=_("My profile"),
                route_name="management.profile",
                permission=P.DashboardView,
                order=10,
            ),
        ]
    if menu == Menu.PORTAL_USER:
        return [
            MenuItem(
                label=_("Management Interface"),
                route_name="management.home",
                permission=P.DashboardView,
                order=50,
            )
        ]
    return []
