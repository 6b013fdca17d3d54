"""The live chat's translation domain, ``frontdesk_chat``: ``_("...")`` marks a message.

Catalogs live in this package's ``locale/`` folder; core loads them with the plugin.
"""

from __future__ import annotations

from frontdesk.i18n import TranslationStringFactory

DOMAIN = "frontdesk_chat"
_ = TranslationStringFactory(DOMAIN)
