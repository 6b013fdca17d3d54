"""A third-party plugin licensed on its own: it declares the entitlement ``acme-sla`` and
ships its vendor's public key; it answers only while a valid ``acme-sla`` key is installed.

The vendor's private key is derived from a fixed seed here so tests can sign keys; a real
plugin ships only the public half.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyramid.config import Configurator
from pyramid.request import Request

from frontdesk import PUBLIC, Menu, MenuItem, PluginInfo, hookimpl
from frontdesk.license_tokens import public_bytes

VENDOR_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"acme sla vendor").digest())
PRODUCT = "acme-sla"

PLUGIN = PluginInfo(
    name="acme_sla",
    title="Acme SLA",
    entitlement=PRODUCT,
    entitlement_keys=(base64.b64encode(public_bytes(VENDOR_KEY)).decode(),),
)


@hookimpl
def frontdesk_configure(config: Configurator) -> None:
    config.add_route("acme_sla.report", "/sla/")
    config.add_view(
        lambda request: "SLA report",
        route_name="acme_sla.report",
        renderer="string",
        permission=PUBLIC,
    )


@hookimpl
def frontdesk_menu_items(request: Request, menu: Menu) -> list[MenuItem]:
    if menu == Menu.PORTAL:
        return [MenuItem(label="SLA report", route_name="acme_sla.report")]
    return []
