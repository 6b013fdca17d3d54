"""The portal's URLs. Ticket URLs use core's ``ticket_context`` factory: a ticket the
visitor may not see answers 404, exactly like one that does not exist."""

from __future__ import annotations

from pyramid.config import Configurator

from frontdesk.identity.access import TicketPermission, ticket_context
from frontdesk.plugins.portal.settings import FlagPredicate
from frontdesk.web.forms import redirect_to_form


def includeme(config: Configurator) -> None:
    config.add_route("portal.home", "/")
    config.add_login_pages(
        interface="portal", login="/login", logout="/logout", password="/account/password"
    )
    config.add_view_predicate("portal_flag", FlagPredicate)
    # Its view answers only while registration is on (see views.account).
    config.add_route("portal.register", "/register")
    config.add_route("portal.profile", "/profile")
    config.add_route("portal.tickets", "/tickets/")
    config.add_route("portal.tickets_bare", "/tickets")
    # Fixed paths before /tickets/{number}: routes match in the order they are added.
    config.add_route("portal.ticket_new", "/tickets/new")
    config.add_route("portal.ticket_submitted", "/tickets/submitted")
    config.add_route("portal.ticket", "/tickets/{number}", factory=ticket_context)
    for action in ("reply", "status"):
        config.add_route(
            f"portal.ticket_{action}", f"/tickets/{{number}}/{action}", factory=ticket_context
        )
        # Reloading the address of a form that came back leads to the form, not a 404.
        config.add_view(
            redirect_to_form("portal.ticket", f"{action}-form"),
            route_name=f"portal.ticket_{action}",
            request_method="GET",
            permission=TicketPermission.VIEW,
        )
    config.add_route(
        "portal.attachment",
        "/tickets/{number}/attachments/{attachment_id}",
        factory=ticket_context,
    )
