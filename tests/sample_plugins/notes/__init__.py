"""A test plugin that owns a table, with its own Alembic branch."""

from frontdesk import PluginInfo

PLUGIN = PluginInfo(
    name="notes",
    title="Notes",
    migrations="tests.sample_plugins.notes:migrations/versions",
)
