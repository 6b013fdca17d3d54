"""Translation strings of core (domain ``frontdesk``).

A placeholder until the i18n machinery lands: ``_`` marks core's user-visible text.
"""

from pyramid.i18n import TranslationString, TranslationStringFactory

_ = TranslationStringFactory("frontdesk")

__all__ = ["TranslationString", "TranslationStringFactory", "_"]
