"""frontdesk: a plugin-based help desk on Pyramid and pluggy.

Plugin authors import what they need from here::

    from frontdesk import PluginInfo, hookimpl, MenuItem, Menu, Permission, Role, PUBLIC

These names and the modules the API reference lists (docs/plugin-authors/api/) are the
public API; every other module is internal and may change in any release.
"""

import warnings

# Pyramid 2.x imports setuptools' deprecated pkg_resources; the notice is not actionable
# by our users and would otherwise open every CLI run.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

from frontdesk import compat  # noqa: E402
from frontdesk.version import __version__  # noqa: E402

compat.install()

from frontdesk.i18n import TranslationStringFactory  # noqa: E402
from frontdesk.jobs import Job  # noqa: E402
from frontdesk.licensing import Edition, License, LicenseRefusal  # noqa: E402
from frontdesk.plugin_platform.navigation import Menu, MenuItem  # noqa: E402
from frontdesk.plugin_platform.permissions import PUBLIC, Permission, Role  # noqa: E402
from frontdesk.plugin_platform.pluginmanager import PluginInfo, hookimpl  # noqa: E402
from frontdesk.plugin_platform.slots import Slot, TicketColumn  # noqa: E402

__all__ = [
    "PUBLIC",
    "Edition",
    "Job",
    "License",
    "LicenseRefusal",
    "Menu",
    "MenuItem",
    "Permission",
    "PluginInfo",
    "Role",
    "Slot",
    "TicketColumn",
    "TranslationStringFactory",
    "__version__",
    "hookimpl",
]
