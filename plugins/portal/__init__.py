"""The customer portal, mounted at ``/``."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request

from frontdesk import Menu, MenuItem, PluginInfo, hookimpl

PLUGIN = PluginInfo(
    name="portal",
    title="Customer portal",
    description="Customers log in, submit and follow tickets at /.",
    version="0.1.0",
    requires_core=">=0.1,<1",
)


@hookimpl
def frontdesk_configure(config: Configurator) -> None:
    config.add_route("portal.home", "/")
    config.add_login_pages(
        interface="portal", login="/login", logout="/logout", password="/account/password"
    )
    config.scan(".views")


@hookimpl
def frontdesk_menu_items(request: Request, menu: Menu) -> list[MenuItem]:
    if menu == Menu.PORTAL:
        return [MenuItem(label="Home", route_name="portal.home", order=0)]
    return []
