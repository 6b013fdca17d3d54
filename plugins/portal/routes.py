"""The portal's URLs. Ticket URLs use core's ``ticket_context`` factory: a ticket the
visitor may not see answers 404, exactly like one that does not exist."""

from __future__ import annotations

from pyramid.config import Configurator

from frontdesk.access import ticket_context
from frontdesk.plugins.portal.settings import FlagPredicate


def includeme(config: Configurator) -> None:
    config.add_route("portal.home", "/")
    config.add_login_pages(
        interface="portal", login="/login", logout="/logout", password="/account/password"
    )
    config.add_view_predicate("portal_flag", FlagPredicate)
    # Its view answers only while registration is on (see views.account).
    config.add_route("portal.register", "/register")
    config.add_route("portal.tickets", "/tickets/")
    config.add_route("portal.tickets_bare", "/tickets")
    # Fixed paths before /tickets/{number}: routes match in the order they are added.
    config.add_route("portal.ticket_new", "/tickets/new")
    config.add_route("portal.ticket_submitted", "/tickets/submitted")
    config.add_route("portal.ticket", "/tickets/{number}", factory=ticket_context)
    config.add_route("portal.ticket_reply", "/tickets/{number}/reply", factory=ticket_context)
    config.add_route("portal.ticket_status", "/tickets/{number}/status", factory=ticket_context)
    config.add_route(
        "portal.attachment",
        "/tickets/{number}/attachments/{attachment_id}",
        factory=ticket_context,
    )
