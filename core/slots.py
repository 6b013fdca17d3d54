"""UI slots: named places in the templates that plugins fill through hooks."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

if TYPE_CHECKING:  # pragma: no cover
    from pyramid.request import Request


class Slot(enum.StrEnum):
    """The places a plugin can add content to."""

    PAGE_HEAD = "page_head"
    PAGE_END = "page_end"
    PAGE_BANNER = "page_banner"
    TICKET_SIDE_PANEL = "ticket_side_panel"
    DASHBOARD_WIDGETS = "dashboard_widgets"
    #: Below the login form of every interface (e.g. the portal's "Create an account").
    LOGIN_EXTRAS = "login_extras"


@dataclass(frozen=True, kw_only=True)
class TicketColumn:
    """An extra column in ticket lists; ``render`` returns the cell (str is escaped)."""

    key: str
    title: str
    render: Callable[[Any], str | Markup]
    order: int = 100


def render_slot(request: Request, slot: Slot | str, context: Any = None) -> Markup:
    """Everything the active plugins put into ``slot``, joined, with plain text escaped."""
    plugins = request.registry.frontdesk_plugins
    parts = plugins.active_hook(request).frontdesk_ui_slot(
        request=request, slot=Slot(slot), context=context
    )
    return Markup("\n").join(escape(part) for part in parts if part is not None)


def ticket_list_columns(request: Request) -> list[TicketColumn]:
    """Extra ticket-list columns from the active plugins, in order."""
    plugins = request.registry.frontdesk_plugins
    batches = plugins.active_hook(request).frontdesk_ticket_list_columns(request=request)
    return sorted((c for batch in batches for c in batch or ()), key=lambda c: (c.order, c.key))
