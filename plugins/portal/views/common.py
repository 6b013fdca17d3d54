"""Small helpers the portal's views share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.request import Request

from frontdesk.events import Event, emit

TEMPLATES = "frontdesk.plugins.portal:templates/"
STYLESHEET = "frontdesk.plugins.portal:static/portal.css"


def template(name: str) -> str:
    return TEMPLATES + name


def invalid(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    """Render the form again, with its errors, as a 400 response."""
    request.response.status_int = 400
    return values


def notifier(request: Request) -> Callable[[Event], None]:
    """The ``notify`` argument for the ticket service: events reach plugins after commit."""
    return lambda event: emit(request, event)


def emit_all(request: Request, events: list[Event]) -> None:
    for event in events:
        emit(request, event)
