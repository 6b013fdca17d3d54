"""The portal's start page: welcome text and start tiles (from every active plugin)."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.view import view_config

from frontdesk.plugin_platform.navigation import Menu, menu
from frontdesk.plugin_platform.permissions import PUBLIC
from frontdesk.plugins.portal.settings import anonymous_tickets, registration_open, welcome_text
from frontdesk.plugins.portal.views.common import STYLESHEET, template


@view_config(route_name="portal.home", renderer=template("home.pt"), permission=PUBLIC)
def home(request: Request) -> dict[str, Any]:
    anonymous = request.user is None
    # The first line is the heading, any further lines are paragraphs below it.
    lines = [line.strip() for line in welcome_text(request).strip().splitlines()]
    return {
        "stylesheet": STYLESHEET,
        "welcome": lines[0] if lines else "",
        "welcome_more": [line for line in lines[1:] if line],
        "tiles": menu(request, Menu.PORTAL_HOME),
        "login_url": request.route_path("portal.login") if anonymous else None,
        "register_url": (
            request.route_path("portal.register")
            if anonymous and registration_open(request)
            else None
        ),
        "anonymous_tickets": anonymous and anonymous_tickets(request),
    }
