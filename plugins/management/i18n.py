"""The management plugin's translation domain (``frontdesk_management``)."""

from __future__ import annotations

from pyramid.i18n import TranslationStringFactory

DOMAIN = "frontdesk_management"

_ = TranslationStringFactory(DOMAIN)

#: How the management interface names each built-in role (``Role`` value → title).
ROLE_TITLES = {
    "customer": _("Customer"),
    "agent": _("Agent"),
    "administrator": _("Administrator"),
}
