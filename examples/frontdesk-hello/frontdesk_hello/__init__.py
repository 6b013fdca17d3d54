"""Hello: a greeting page in the customer portal."""

import logging

from frontdesk import Edition, Menu, MenuItem, Permission, PluginInfo, Role, Slot, hookimpl
from markupsafe import Markup

from frontdesk_hello.i18n import _
from frontdesk_hello.permissions import P

log = logging.getLogger(__name__)

PLUGIN = PluginInfo(
    name="hello",
    title=_("Hello"),
    description=_("Greets the logged-in user on a page of its own."),
    version="1.0.0",
    edition=Edition.FREE,
    requires=("portal",),
    requires_core=">=0.1,<1",
    migrations="frontdesk_hello:migrations",
)


@hookimpl
def frontdesk_configure(config):
    config.add_route("hello.greeting", "/hello/")
    config.add_static_view("static/hello", "static")  # optional: CSS, JS, images
    config.scan(".views")


@hookimpl
def frontdesk_permissions():
    return [
        Permission(
            name=P.GREETING_VIEW,  # "hello:greeting:view"
            title=_("See the greeting"),
            default_roles={Role.CUSTOMER, Role.AGENT},
        ),
    ]


@hookimpl
def frontdesk_menu_items(request, menu):
    if menu == Menu.PORTAL:
        return [
            MenuItem(
                label=_("Hello"),
                route_name="hello.greeting",
                permission=P.GREETING_VIEW,
                order=50,
            )
        ]
    return []


@hookimpl
def frontdesk_ui_slot(request, slot, context):
    if slot == Slot.MANAGEMENT_TICKET_SIDE_PANEL and context.requester:
        note = _("Say hello to ${name}!", mapping={"name": context.requester.display_name})
        return Markup('<p class="hello-note">{}</p>').format(request.localizer.translate(note))
    return None


@hookimpl
def frontdesk_ticket_created(event, request):
    ticket = event.ticket
    log.info("ticket %s created in %s: %s", ticket.number, ticket.department_name, ticket.subject)
