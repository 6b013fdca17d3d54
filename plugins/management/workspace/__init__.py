"""The agents' workspace: dashboard, ticket queue, ticket page, canned replies, profile.

Every read of tickets goes through core's access rules (``ticket_filter`` for lists, the
``ticket_context`` route factory for single tickets) and every change through the
ticket service in :mod:`frontdesk.tickets`.
"""

from pyramid.config import Configurator

from frontdesk.identity.access import TicketPermission, ticket_context

# The canned replies table lives on core's Base: importing the model here puts it in
# Base.metadata whenever the plugin is configured (migrations are compared against it).
from frontdesk.plugins.management.workspace import models  # noqa: F401
from frontdesk.web.forms import redirect_to_form

STATIC = "frontdesk.plugins.management:static"


def includeme(config: Configurator) -> None:
    """Routes of the workspace, under /management/."""
    config.add_route("management.home", "/management/")
    config.add_route("management.profile", "/management/profile")
    config.add_route("management.tickets", "/management/tickets/")
    config.add_route("management.tickets_bare", "/management/tickets")
    ticket = "/management/tickets/{number}"
    config.add_route("management.ticket", ticket, factory=ticket_context)
    for action in ("reply", "note", "properties", "assign", "transfer", "merge"):
        config.add_route(
            f"management.ticket_{action}", f"{ticket}/{action}", factory=ticket_context
        )
        # Reloading the address of a form that came back leads to the form, not a 404.
        config.add_view(
            redirect_to_form("management.ticket", f"{action}-form"),
            route_name=f"management.ticket_{action}",
            request_method="GET",
            permission=TicketPermission.VIEW,
        )
    config.add_route(
        "management.attachment",
        ticket + "/attachments/{attachment_id}",
        factory=ticket_context,
    )
    config.add_route("management.canned", "/management/canned/")
    config.add_route("management.canned_edit", "/management/canned/{canned_id}")
    config.add_route("management.canned_delete", "/management/canned/{canned_id}/delete")
    config.add_static_view("static/management", STATIC, cache_max_age=3600)
    config.scan(".dashboard")
    config.scan(".queue")
    config.scan(".ticket")
    config.scan(".canned")
