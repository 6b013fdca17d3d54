"""The three user interfaces and how a request is assigned to one of them.

Each interface keeps its own login session (its own cookie), menus and login page; a
plugin adds pages to an interface by putting its routes under the interface's prefix.
"""

from __future__ import annotations

import enum

from pyramid.request import Request

from frontdesk.i18n import TranslationString, _


class Interface(enum.StrEnum):
    PORTAL = "portal"
    MANAGEMENT = "management"
    MOBILE = "mobile"

    @property
    def prefix(self) -> str:
        """The URL prefix, with trailing slash: ``/``, ``/management/``, ``/m/``."""
        return _PREFIXES[self]

    @property
    def title(self) -> TranslationString:
        """The interface's name, to translate where it is shown."""
        return _TITLES[self]


_TITLES = {
    Interface.PORTAL: _("Portal"),
    Interface.MANAGEMENT: _("Management"),
    Interface.MOBILE: _("Mobile"),
}
_PREFIXES = {Interface.PORTAL: "/", Interface.MANAGEMENT: "/management/", Interface.MOBILE: "/m/"}


def interface_for_path(path: str) -> Interface:
    """The interface a URL path belongs to: the longest matching prefix wins."""
    for interface in (Interface.MANAGEMENT, Interface.MOBILE):
        prefix = interface.prefix
        if path == prefix.rstrip("/") or path.startswith(prefix):
            return interface
    return Interface.PORTAL


def _interface(request: Request) -> Interface:
    return interface_for_path(request.path_info)


def includeme(config) -> None:  # type: ignore[no-untyped-def]
    """``request.interface``."""
    config.add_request_method(_interface, "interface", reify=True)
