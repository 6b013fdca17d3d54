"""The same hooks and migration branch in a plugin whose import fails halfway (a missing
dependency): nothing of it may be used."""

from frontdesk import PluginInfo
from tests.sample_plugins.outdated import (  # noqa: F401  (hooks the import would register)
    frontdesk_menu_items,
    frontdesk_permissions,
    frontdesk_ticket_created,
    frontdesk_verify_license,
)

PLUGIN = PluginInfo(
    name="half_loaded",
    title="Half loaded",
    migrations="tests.sample_plugins.outdated:migrations/versions",
)

raise ImportError("No module named 'acme_client'")
