"""Old addresses that keep working."""

from pyramid.httpexceptions import HTTPMovedPermanently
from pyramid.request import Request
from pyramid.view import view_config

from frontdesk import PUBLIC


@view_config(route_name="management.legacy_root", permission=PUBLIC)
def legacy_root(request: Request) -> HTTPMovedPermanently:
    """Old bookmarks of ``/management/root.aspx`` land on the dashboard."""
    return HTTPMovedPermanently(location=request.route_url("management.home"))
