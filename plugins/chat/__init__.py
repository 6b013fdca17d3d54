"""Live chat: portal and management pages."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.view import view_config

from frontdesk import PUBLIC, Menu, MenuItem, PluginInfo, hookimpl
from frontdesk.plugins.chat.i18n import _

PLUGIN = PluginInfo(
    name="chat",
    title=_("Live chat"),
    description=_("Customers chat with agents in real time."),
    version="0.1.0",
    requires=("portal",),
    requires_core=">=0.1,<1",
)


@hookimpl
def frontdesk_configure(config: Configurator) -> None:
    config.add_route("chat.home", "/chat/")
    config.scan()


@hookimpl
def frontdesk_menu_items(request: Request, menu: Menu) -> list[MenuItem]:
    if menu == Menu.PORTAL:
        return [MenuItem(label=_("Live chat"), route_name="chat.home", order=20)]
    if menu == Menu.PORTAL_HOME:  # a start tile on the portal's home page
        return [MenuItem(label=_("Start a live chat"), route_name="chat.home", order=40)]
    return []


@view_config(route_name="chat.home", renderer="templates/home.pt", permission=PUBLIC)
def home(request: Request) -> dict:
    return {}
