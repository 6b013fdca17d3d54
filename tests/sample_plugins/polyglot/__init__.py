"""A third-party plugin with translations of its own (domain ``acme_polyglot``): it ships
its catalogs in ``locale/`` and does nothing else to have them loaded, exactly as a
plugin installed from its own distribution would."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.view import view_config

from frontdesk import Menu, MenuItem, Permission, PluginInfo, Role, Slot, hookimpl
from tests.sample_plugins.polyglot.i18n import _

PLUGIN = PluginInfo(
    name="polyglot",
    title=_("Parcel desk"),
    description=_("Tells customers where their parcels are."),
    version="0.3.0",
    requires=("portal",),
)
VIEW = "polyglot:parcels:view"


@hookimpl
def frontdesk_configure(config: Configurator) -> None:
    config.add_route("polyglot.parcels", "/parcels/")
    config.scan("tests.sample_plugins.polyglot")


@hookimpl
def frontdesk_permissions() -> list[Permission]:
    return [
        Permission(
            name=VIEW, title=_("See one's parcels"), default_roles=frozenset({Role.CUSTOMER})
        )
    ]


@hookimpl
def frontdesk_menu_items(menu: Menu) -> list[MenuItem]:
    if menu == Menu.PORTAL:
        return [MenuItem(label=_("Parcels"), route_name="polyglot.parcels", permission=VIEW)]
    return []


@hookimpl
def frontdesk_ui_slot(request: Request, slot: Slot) -> Markup | None:
    if slot == Slot.LOGIN_EXTRAS:
        hint = request.localizer.translate(_("Track a parcel without logging in."))
        return Markup('<p class="polyglot-hint">{}</p>').format(hint)
    return None


@view_config(
    route_name="polyglot.parcels",
    renderer="tests.sample_plugins.polyglot:templates/parcels.pt",
    permission=VIEW,
)
def parcels(request: Request) -> dict[str, Any]:
    request.session.flash(_("Parcel list refreshed."), "success")
    return {
        "count": 3,
        "status": _(
            "${count} parcels are on their way to ${name}.",
            mapping={"count": 3, "name": request.user.display_name},
        ),
    }
