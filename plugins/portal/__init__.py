"""The customer portal, mounted at ``/``: home page, registration, tickets.

Routes are in :mod:`.routes`, pages in :mod:`.views`; everything the portal shows of a
ticket goes through core's ticket service and access rules, like any other plugin would.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from pyramid.config import Configurator
from pyramid.request import Request

from frontdesk import Menu, MenuItem, PluginInfo, Slot, hookimpl
from frontdesk.identity.access import TicketPermission
from frontdesk.identity.login import ACCOUNT_PERMISSION
from frontdesk.plugin_platform.interfaces import Interface
from frontdesk.plugins.portal.i18n import _
from frontdesk.plugins.portal.settings import anonymous_tickets, registration_open

PLUGIN = PluginInfo(
    name="portal",
    title=_("Customer portal"),
    description=_("Customers log in, submit and follow tickets at /."),
    version="0.2.0",
    requires_core=">=0.1,<1",
)


@hookimpl
def frontdesk_configure(config: Configurator) -> None:
    config.include(".routes")
    config.add_static_view("static/portal", "static", cache_max_age=3600)
    config.scan(".views")


@hookimpl
def frontdesk_menu_items(request: Request, menu: Menu) -> list[MenuItem]:
    if menu == Menu.PORTAL:
        return [MenuItem(label=_("Home"), route_name="portal.home", order=0)]
    if menu == Menu.PORTAL_USER:
        return [
            MenuItem(
                label=_("My tickets"),
                route_name="portal.tickets",
                permission=TicketPermission.VIEW,
                order=10,
            ),
            # Before core's "Change password" (900) and "Log out" (1000).
            MenuItem(
                label=_("Profile"),
                route_name="portal.profile",
                permission=ACCOUNT_PERMISSION.name,
                order=800,
            ),
        ]
    if menu == Menu.PORTAL_HOME:
        # Visitors who are not logged in may submit too when anonymous tickets are on.
        anyone = request.user is None and anonymous_tickets(request)
        return [
            MenuItem(
                label=_("Submit a ticket"),
                route_name="portal.ticket_new",
                permission=None if anyone else TicketPermission.CREATE,
                order=10,
            ),
            MenuItem(
                label=_("My tickets"),
                route_name="portal.tickets",
                permission=TicketPermission.VIEW,
                order=20,
            ),
        ]
    return []


CREATE_ACCOUNT = Markup('<p class="login-extras">{question} <a href="{href}">{link}</a></p>')


@hookimpl
def frontdesk_ui_slot(request: Request, slot: Slot, context: Any) -> Markup | None:
    """The portal's login page offers registration when it is switched on."""
    if (
        slot == Slot.LOGIN_EXTRAS
        and request.interface == Interface.PORTAL
        and registration_open(request)
    ):
        translate = request.localizer.translate
        return CREATE_ACCOUNT.format(
            question=translate(_("No account yet?")),
            href=request.route_path("portal.register"),
            link=translate(_("Create an account")),
        )
    return None
