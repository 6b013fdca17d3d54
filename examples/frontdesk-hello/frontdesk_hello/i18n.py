"""Translation strings of hello: its own domain, with catalogs in ``locale/``."""

from frontdesk.i18n import TranslationStringFactory

_ = TranslationStringFactory("frontdesk_hello")
