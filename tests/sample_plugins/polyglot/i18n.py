"""The plugin's translation strings: its own domain, named after its distribution."""

from frontdesk.i18n import TranslationStringFactory

_ = TranslationStringFactory("acme_polyglot")
