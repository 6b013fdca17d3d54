"""Workspace pages."""

from pyramid.request import Request
from pyramid.view import view_config

from frontdesk.plugins.management.permissions import P


@view_config(
    route_name="management.home",
    renderer="frontdesk.plugins.management:templates/dashboard.pt",
    permission=P.DashboardView,
)
def dashboard(request: Request) -> dict:
    return {}
