"""A third-party plugin defined only in the tests: a route, a view, a permission, a menu
item, a page-head slot and a header-based authenticator, written exactly as a built-in."""

from __future__ import annotations

from markupsafe import Markup
from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.view import view_config
from sqlalchemy import select

from frontdesk import Menu, MenuItem, Permission, PluginInfo, Role, Slot, TicketColumn, hookimpl
from frontdesk.db.users import User

PLUGIN = PluginInfo(
    name="greeter",
    title="Greeter",
    description="Says hello.",
    version="1.2.3",
    requires=("portal",),
    requires_core=">=0.1,<1",
)

VIEW = "greeter:greeting:view"


@hookimpl
def frontdesk_configure(config: Configurator) -> None:
    config.add_route("greeter.greeting", "/greeting/")
    config.scan("tests.sample_plugins.greeter")


@hookimpl
def frontdesk_permissions() -> list[Permission]:
    return [
        Permission(name=VIEW, title="See the greeting", default_roles=frozenset({Role.CUSTOMER}))
    ]


@hookimpl
def frontdesk_menu_items(request: Request, menu: Menu) -> list[MenuItem]:
    if menu == Menu.PORTAL:
        return [MenuItem(label="Greeting", route_name="greeter.greeting", permission=VIEW, order=5)]
    if menu == Menu.PORTAL_USER:
        return [MenuItem(label="Say hello", route_name="greeter.greeting", order=1)]
    return []


@hookimpl
def frontdesk_identity_from_request(request: Request) -> User | None:
    """Trust an ``X-Test-User`` header (test only!): a header/token authenticator."""
    login = request.headers.get("X-Test-User")
    if not login:
        return None
    return request.dbsession.scalar(select(User).where(User.login_key == login.casefold()))


@hookimpl
def frontdesk_ui_slot(slot: Slot) -> str | Markup | None:
    if slot == Slot.PAGE_HEAD:
        return Markup('<meta name="greeter" content="on">')
    if slot == Slot.DASHBOARD_WIDGETS:
        return "<b>plain text is escaped</b>"
    return None


@hookimpl
def frontdesk_ticket_list_columns() -> list[TicketColumn]:
    return [TicketColumn(key="mood", title="Mood", render=lambda ticket: "happy", order=1)]


@view_config(route_name="greeter.greeting", renderer="string", permission=VIEW)
def greeting(request: Request) -> str:
    return f"Hello, {request.user.display_name}!"
