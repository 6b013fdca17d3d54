"""Administration pages, one module per section; this one is the index."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPForbidden
from pyramid.request import Request
from pyramid.view import view_config

from frontdesk.plugins.management.admin.common import page, sections_for, template
from frontdesk.plugins.management.permissions import P


@view_config(
    route_name="management.admin",
    renderer=template("index"),
    permission=P.DashboardView,
    request_method="GET",
)
def index(request: Request) -> dict[str, Any]:
    """Links to the sections the user may use; 403 for someone who may use none."""
    sections = [
        {"label": s.label, "href": request.route_path(s.route), "summary": s.summary}
        for s in sections_for(request)
    ]
    if not sections:
        raise HTTPForbidden()
    return page(request, "index", sections=sections)
