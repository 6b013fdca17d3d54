"""A third-party plugin defined only in the tests: a route, a view, a permission, menu
items (by route and by ``url=``), slots, a ticket-list column and a header-based
authenticator, written exactly as a built-in."""

from __future__ import annotations

from typing import Any

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
#: A ``url=`` item (an outside page) and one guarded by the plugin's own permission.
WEBSITE = MenuItem(label="Greeter website", url="https://greeter.example/", new_window=True)
HANDBOOK = MenuItem(label="Greeter handbook", url="/greeting/?handbook", permission=VIEW)


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
        return [
            MenuItem(label="Say hello", route_name="greeter.greeting", order=1),
            WEBSITE,
            HANDBOOK,
        ]
    return []


@hookimpl
def frontdesk_identity_from_request(request: Request) -> User | None:
    """Trust an ``X-Test-User`` header (test only!): a header/token authenticator."""
    login = request.headers.get("X-Test-User")
    if not login:
        return None
    return request.dbsession.scalar(select(User).where(User.login_key == login.casefold()))


@hookimpl
def frontdesk_ui_slot(slot: Slot, context: Any) -> str | Markup | None:
    if slot == Slot.PAGE_HEAD:
        return Markup('<meta name="greeter" content="on">')
    if slot == Slot.PORTAL_HOME_WIDGETS:
        return "<b>plain text is escaped</b>"
    if slot == Slot.MANAGEMENT_TICKET_SIDE_PANEL:
        return Markup('<section id="greeter-internal">Internal: {} is grumpy</section>').format(
            context.requester.display_name
        )
    if slot == Slot.PORTAL_TICKET_SIDE_PANEL:
        return Markup('<section id="greeter-hello">Hello from ticket #{}</section>').format(
            context.number
        )
    return None


@hookimpl
def frontdesk_ticket_list_columns() -> list[TicketColumn]:
    return [
        TicketColumn(key="mood", title="Mood", render=lambda ticket: "happy", order=1),
        TicketColumn(
            key="greeting",
            title="Greeting",
            render=lambda ticket: f"Hi #{ticket.number}",
            order=2,
            interfaces={"portal", "management"},
        ),
    ]


@view_config(route_name="greeter.greeting", renderer="string", permission=VIEW)
def greeting(request: Request) -> str:
    return f"Hello, {request.user.display_name}!"
