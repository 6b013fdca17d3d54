"""Wiring the i18n machinery into the Configurator (``config.include("frontdesk.i18n")``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyramid.config import Configurator
from pyramid.interfaces import ILocalizer, ITranslationDirectories

from frontdesk import i18n
from frontdesk.i18n import PSEUDO_LOCALE, formatting, pseudo_enabled
from frontdesk.i18n.negotiation import negotiate_locale
from frontdesk.i18n.pseudo import PseudoLocalizer, domains_in
from frontdesk.pluginmanager import module_of

#: The folder of a plugin package that holds its catalogs.
LOCALE_FOLDER = "locale"


def plugin_locale_dir(obj: Any) -> Path | None:
    """The ``locale/`` folder of the package a plugin lives in, if it has one."""
    module = module_of(obj)
    if not hasattr(module, "__path__"):
        return None  # a single-module plugin has no folder of its own
    for folder in module.__path__:
        candidate = Path(folder) / LOCALE_FOLDER
        if candidate.is_dir():
            return candidate
    return None


def add_translation_dirs(config: Configurator) -> None:
    """Core's catalogs and those of every plugin package with a ``locale/`` folder."""
    if i18n.CORE_LOCALE_DIR.is_dir():
        config.add_translation_dirs(str(i18n.CORE_LOCALE_DIR))
    for plugin in config.registry.frontdesk_plugins.runnable():
        folder = plugin_locale_dir(plugin.obj)
        if folder is not None:
            config.add_translation_dirs(str(folder))

    def ensure_registered() -> None:
        # Chameleon translates templates only when some translation folder is registered.
        if config.registry.queryUtility(ITranslationDirectories) is None:
            config.registry.registerUtility([], ITranslationDirectories)

    config.action(None, ensure_registered, order=500)


def register_pseudo_localizer(config: Configurator) -> None:
    """The pseudo-locale's localizer, knowing every registered domain."""

    def register() -> None:
        folders = config.registry.queryUtility(ITranslationDirectories) or []
        config.registry.registerUtility(
            PseudoLocalizer(domains_in(folders)), ILocalizer, name=PSEUDO_LOCALE
        )

    config.action(None, register, order=600)


def configure(config: Configurator) -> None:
    """See :func:`frontdesk.i18n.includeme`."""
    add_translation_dirs(config)
    config.set_locale_negotiator(negotiate_locale)
    if pseudo_enabled(config.get_settings()):
        register_pseudo_localizer(config)
    config.add_request_method(formatting.time_zone, "time_zone", reify=True)
    config.add_request_method(formatting.babel_locale, "babel_locale", reify=True)
    for method in (
        formatting.format_datetime,
        formatting.format_date,
        formatting.format_time,
        formatting.format_relative,
        formatting.format_number,
        formatting.time_tag,
        formatting.local_input_value,
        formatting.parse_local_input,
    ):
        config.add_request_method(method, method.__name__)
    config.include("frontdesk.i18n.views")
