"""UI slots: named places in the templates that plugins fill through hooks.

A slot is either shared by every interface (the page head, banner and end, the login
form) or bound to one audience: ``management.*`` slots render only on staff pages
(management and mobile), ``portal.*`` slots only on the customers' portal. A page that
asks for a slot of another audience is a bug and raises, so staff content cannot reach
customers by accident.
"""

from __future__ import annotations

import enum
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from frontdesk.i18n import translate
from frontdesk.plugin_platform.hookspecs import FrontdeskDeprecationWarning
from frontdesk.plugin_platform.interfaces import Interface

if TYPE_CHECKING:  # pragma: no cover
    from pyramid.request import Request

#: The interfaces agents and administrators use.
STAFF: frozenset[Interface] = frozenset({Interface.MANAGEMENT, Interface.MOBILE})
CUSTOMERS: frozenset[Interface] = frozenset({Interface.PORTAL})


class Slot(enum.StrEnum):
    """The places a plugin can add content to (see the table in hooks.rst)."""

    # On every page of every interface: check ``request.interface`` if it matters.
    PAGE_HEAD = "page_head"
    PAGE_END = "page_end"
    PAGE_BANNER = "page_banner"
    #: Below the login form of every interface (e.g. the portal's "Create an account").
    LOGIN_EXTRAS = "login_extras"
    # Staff pages only (management and mobile).
    MANAGEMENT_TICKET_SIDE_PANEL = "management.ticket.side_panel"
    MANAGEMENT_DASHBOARD_WIDGETS = "management.dashboard.widgets"
    # The customers' portal only.
    PORTAL_TICKET_SIDE_PANEL = "portal.ticket.side_panel"
    PORTAL_HOME_WIDGETS = "portal.home.widgets"
    #: Deprecated: answered on the staff ticket page only; use MANAGEMENT_TICKET_SIDE_PANEL.
    TICKET_SIDE_PANEL = "ticket_side_panel"
    #: Deprecated: answered on the staff dashboard only; use MANAGEMENT_DASHBOARD_WIDGETS.
    DASHBOARD_WIDGETS = "dashboard_widgets"

    @property
    def interfaces(self) -> frozenset[Interface]:
        """The interfaces whose pages may render this slot."""
        audience, _, _ = self.value.partition(".")
        if audience == "management":
            return STAFF
        if audience == "portal":
            return CUSTOMERS
        return frozenset(Interface)


#: Old slot -> the slot that replaced it. Core still asks for the old slot when it renders
#: the new one, for one release, and a :class:`FrontdeskDeprecationWarning` names each
#: plugin that answered it. An old slot never follows its content onto another audience.
RENAMED_SLOTS: dict[Slot, Slot] = {
    Slot.TICKET_SIDE_PANEL: Slot.MANAGEMENT_TICKET_SIDE_PANEL,
    Slot.DASHBOARD_WIDGETS: Slot.MANAGEMENT_DASHBOARD_WIDGETS,
}


@dataclass(frozen=True, kw_only=True)
class TicketColumn:
    """An extra column in ticket lists; ``render`` returns the cell (str is escaped).
    ``title`` (and a cell) may be a TranslationString of the plugin's domain.

    ``interfaces`` says which ticket lists show it: staff lists only unless the column
    names ``"portal"`` as well, so internal data never reaches customers by default.
    """

    key: str
    title: str
    render: Callable[[Any], str | Markup]
    order: int = 100
    interfaces: Iterable[Interface | str] = field(default=STAFF)

    def __post_init__(self) -> None:
        object.__setattr__(self, "interfaces", frozenset(map(Interface, self.interfaces)))


def render_slot(request: Request, slot: Slot | str, context: Any = None) -> Markup:
    """Everything the active plugins put into ``slot``, joined, with plain text escaped.

    :raises ValueError: when the page's interface may not render ``slot``.
    """
    slot = Slot(slot)
    if request.interface not in slot.interfaces:
        raise ValueError(f"slot {slot.value!r} is not rendered on {request.interface} pages")
    plugins = request.registry.frontdesk_plugins
    parts = list(
        plugins.active_hook(request).frontdesk_ui_slot(request=request, slot=slot, context=context)
    )
    for old in (old for old, new in RENAMED_SLOTS.items() if new == slot):
        for name, part in plugins.answers_by_plugin(
            request, "frontdesk_ui_slot", request=request, slot=old, context=context
        ):
            warnings.warn(
                FrontdeskDeprecationWarning(
                    f"plugin {name!r} fills slot {old.value!r}, which was renamed to "
                    f"{slot.value!r}; rename it before the next major release"
                ),
                stacklevel=2,
            )
            parts.append(part)
    return Markup("\n").join(escape(translate(request, part)) for part in parts if part is not None)


def ticket_list_columns(request: Request) -> list[TicketColumn]:
    """Extra columns for this interface's ticket lists from the active plugins, in order,
    their titles and cells in the request's language."""
    plugins = request.registry.frontdesk_plugins
    batches = plugins.active_hook(request).frontdesk_ticket_list_columns(request=request)
    columns = (c for batch in batches for c in batch or () if request.interface in c.interfaces)
    return [
        replace(
            column,
            title=translate(request, column.title),
            render=_translating(request, column.render),
        )
        for column in sorted(columns, key=lambda c: (c.order, c.key))
    ]


def _translating(request: Request, render: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda item: translate(request, render(item))
