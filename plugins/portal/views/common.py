"""Small helpers the portal's views share."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

TEMPLATES = "frontdesk.plugins.portal:templates/"
STYLESHEET = "frontdesk.plugins.portal:static/portal.css"


def template(name: str) -> str:
    return TEMPLATES + name


def invalid(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    """Render the form again, with its errors, as a 400 response."""
    request.response.status_int = 400
    return values
