"""Knowledge base: portal and management pages."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.view import view_config

from frontdesk import PUBLIC, Menu, MenuItem, PluginInfo, hookimpl
from frontdesk.plugins.kb.i18n import _

PLUGIN = PluginInfo(
    name="kb",
    title=_("Knowledge base"),
    description=_("Articles customers can search before they ask."),
    version="0.1.0",
    requires=("portal",),
    requires_core=">=0.1,<1",
)


@hookimpl
def frontdesk_configure(config: Configurator) -> None:
    config.add_route("kb.home", "/kb/")
    config.scan()


@hookimpl
def frontdesk_menu_items(request: Request, menu: Menu) -> list[MenuItem]:
    if menu == Menu.PORTAL:
        return [MenuItem(label=_("Knowledge base"), route_name="kb.home", order=20)]
    if menu == Menu.PORTAL_HOME:  # a start tile on the portal's home page
        return [MenuItem(label=_("Search the knowledge base"), route_name="kb.home", order=30)]
    return []


@view_config(route_name="kb.home", renderer="templates/home.pt", permission=PUBLIC)
def home(request: Request) -> dict:
    return {}
