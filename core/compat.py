"""Module names from before core was laid out by concern, kept importable.

Core's modules moved into one subpackage per concern (``frontdesk.plugin_platform``,
``frontdesk.identity``, ...). Plugins written against the old names keep working: importing
``frontdesk.events`` gives the very module ``frontdesk.plugin_platform.events``, not a copy, so
its classes, patches and ``isinstance`` checks are the same. New code uses the new names.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

#: Old module name → where it lives now.
MOVED: dict[str, str] = {
    "frontdesk.migrate": "frontdesk.migrations.runner",
    "frontdesk.runtime_settings": "frontdesk.settings",
    "frontdesk.templating": "frontdesk.web.templating",
    "frontdesk.hosts": "frontdesk.web.hosts",
    "frontdesk.body_limit": "frontdesk.web.body_limit",
    "frontdesk.request_checks": "frontdesk.web.request_checks",
    "frontdesk.health": "frontdesk.web.health",
    "frontdesk.forms": "frontdesk.web.forms",
    "frontdesk.ratelimit": "frontdesk.web.ratelimit",
    "frontdesk.tickets": "frontdesk.tickets",
    "frontdesk.attachments": "frontdesk.tickets.attachments",
    "frontdesk.text": "frontdesk.db.text",
    "frontdesk.accounts": "frontdesk.identity.accounts",
    "frontdesk.auth": "frontdesk.identity.authenticators",
    "frontdesk.passwords": "frontdesk.identity.passwords",
    "frontdesk.login": "frontdesk.identity.login",
    "frontdesk.sessions": "frontdesk.identity.sessions",
    "frontdesk.throttle": "frontdesk.identity.throttle",
    "frontdesk.security": "frontdesk.identity.security",
    "frontdesk.access": "frontdesk.identity.access",
    "frontdesk.audit": "frontdesk.identity.audit",
    "frontdesk.licensing": "frontdesk.licensing",
    "frontdesk.licenses": "frontdesk.licensing.installed",
    "frontdesk.license_tokens": "frontdesk.licensing.tokens",
    "frontdesk.license_keys": "frontdesk.licensing.keys",
    "frontdesk.hookspecs": "frontdesk.plugin_platform.hookspecs",
    "frontdesk.pluginmanager": "frontdesk.plugin_platform.pluginmanager",
    "frontdesk.plugin_state": "frontdesk.plugin_platform.plugin_state",
    "frontdesk.slots": "frontdesk.plugin_platform.slots",
    "frontdesk.navigation": "frontdesk.plugin_platform.navigation",
    "frontdesk.events": "frontdesk.plugin_platform.events",
    "frontdesk.interfaces": "frontdesk.plugin_platform.interfaces",
    "frontdesk.permissions": "frontdesk.plugin_platform.permissions",
}


class MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers imports of an old name with the module under its new name."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module under its new name is already loaded."""


def install() -> None:
    """Put the finder on ``sys.meta_path`` (once), after the regular finders."""
    if not any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())
