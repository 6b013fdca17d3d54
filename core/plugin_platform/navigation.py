"""Menus drawn by the layouts and filled through ``frontdesk_menu_items``."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from frontdesk.i18n import translate
from frontdesk.plugin_platform.permissions import allowed

if TYPE_CHECKING:  # pragma: no cover
    from pyramid.request import Request


class Menu(enum.StrEnum):
    """Every menu a plugin can add to: each interface's main menu and user dropdown."""

    PORTAL = "portal"
    PORTAL_USER = "portal.user"
    #: The start tiles on the portal's home page (submit a ticket, knowledge base, ...).
    PORTAL_HOME = "portal.home"
    MANAGEMENT = "management"
    MANAGEMENT_USER = "management.user"
    MOBILE = "mobile"
    MOBILE_USER = "mobile.user"

    @classmethod
    def for_interface(cls, interface: str, *, user: bool = False) -> Menu:
        return cls(f"{interface}.user" if user else interface)


@dataclass(frozen=True, kw_only=True)
class MenuItem:
    """One menu entry. Give either ``route_name`` (preferred) or an absolute ``url``.
    ``label`` may be a TranslationString of the plugin's domain (core translates it).

    Whichever it is, the entry is drawn only while the plugin that returned it is on.
    """

    label: str
    route_name: str | None = None
    url: str | None = None
    permission: str | None = None
    order: int = 100
    new_window: bool = False
    #: Drawn as a button that POSTs (with the CSRF token), for actions such as logging out.
    post: bool = False

    def __post_init__(self) -> None:
        if (self.route_name is None) == (self.url is None):
            raise ValueError(f"menu item {self.label!r} needs exactly one of route_name or url")


@dataclass(frozen=True, kw_only=True)
class ResolvedMenuItem:
    """A menu entry ready to draw: its URL built, its visibility already checked, its
    label translated."""

    label: str
    href: str
    new_window: bool
    current: bool
    post: bool = False


def menu(request: Request, which: Menu) -> list[ResolvedMenuItem]:
    """The entries of ``which`` that this request's user may see, in order.

    Only plugins that are on are asked, so every entry of a plugin that is off vanishes,
    ``url=`` or route; an entry whose route belongs to another plugin that is off is
    dropped too.
    """
    plugins = request.registry.frontdesk_plugins
    items: list[MenuItem] = [
        item
        for batch in plugins.active_hook(request).frontdesk_menu_items(request=request, menu=which)
        for item in batch or ()
    ]
    resolved = []
    for item in sorted(items, key=lambda i: (i.order, i.label)):
        if item.route_name is not None:
            if not plugins.route_is_active(request, item.route_name):
                continue
            href = request.route_path(item.route_name)
        else:
            href = item.url
        if item.permission and not allowed(request, item.permission):
            continue
        resolved.append(
            ResolvedMenuItem(
                label=translate(request, item.label),
                href=href,
                new_window=item.new_window,
                current=href == request.path,
                post=item.post,
            )
        )
    return resolved
