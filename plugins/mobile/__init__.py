"""The agents' smartphone interface, mounted at ``/m/`` (Enterprise edition)."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.view import view_config

from frontdesk import Edition, Permission, PluginInfo, Role, hookimpl
from frontdesk.plugins.mobile.i18n import _

PLUGIN = PluginInfo(
    name="mobile",
    title=_("Mobile interface"),
    description=_("Agents answer tickets and chats from a phone."),
    version="0.1.0",
    edition=Edition.ENTERPRISE,
    requires=("management",),
    requires_core=">=0.1,<1",
)


@hookimpl
def frontdesk_configure(config: Configurator) -> None:
    config.add_route("mobile.home", "/m/")
    config.add_login_pages(interface="mobile", login="/m/login", logout="/m/logout")
    config.scan()


USE = "mobile:app:use"


@hookimpl
def frontdesk_permissions() -> list[Permission]:
    return [
        Permission(
            name=USE,
            title=_("Use the mobile interface"),
            default_roles=frozenset({Role.AGENT, Role.ADMINISTRATOR}),
        )
    ]


@view_config(route_name="mobile.home", renderer="templates/home.pt", permission=USE)
def home(request: Request) -> dict:
    return {}
