"""The management plugin's translation domain (``frontdesk_management``)."""

from __future__ import annotations

from frontdesk.i18n import TranslationStringFactory

DOMAIN = "frontdesk_management"

_ = TranslationStringFactory(DOMAIN)
