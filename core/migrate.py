"""Schema migrations: core's Alembic branch plus one branch per plugin that owns tables."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pyramid.path import AssetResolver
from sqlalchemy import Connection, Engine

from frontdesk.pluginmanager import Plugins

CORE_VERSIONS = "frontdesk:migrations/versions"


def version_locations(plugins: Plugins | None) -> list[str]:
    """Folders holding revisions: core's, then each loaded plugin's that can run on this
    core (a fenced plugin's migrations never run)."""
    specs = [CORE_VERSIONS]
    if plugins is not None:
        specs += [p.info.migrations for p in plugins.runnable() if p.info.migrations]
    resolver = AssetResolver()
    return [resolver.resolve(spec).abspath() for spec in specs]


def alembic_config(plugins: Plugins | None) -> Config:
    config = Config()
    config.set_main_option(
        "script_location", AssetResolver().resolve("frontdesk:migrations").abspath()
    )
    # os.pathsep-free separator so folder names with spaces or colons are safe.
    config.set_main_option("path_separator", "newline")
    config.set_main_option("version_locations", "\n".join(version_locations(plugins)))
    return config


def upgrade(engine: Engine, plugins: Plugins | None = None, target: str = "heads") -> None:
    """Bring core and every loaded plugin's tables to ``target`` (all heads by default)."""
    config = alembic_config(plugins)
    with (
        engine.connect() as connection,
        _sqlite_foreign_keys_off(connection),
        connection.begin(),
    ):
        config.attributes["connection"] = connection
        command.upgrade(config, target)


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite changes a table by copying it and dropping the old one; with foreign keys
    on, that drop deletes the rows that refer to it (ON DELETE CASCADE: every message of
    every ticket). The pragma only works outside a transaction, hence the raw connection."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def current_heads(engine: Engine) -> Iterable[str]:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_heads()


def scripts(plugins: Plugins | None = None) -> ScriptDirectory:
    """Every revision of core and the loaded plugins (read from disk: keep it around)."""
    return ScriptDirectory.from_config(alembic_config(plugins))


def is_up_to_date(
    engine: Engine, plugins: Plugins | None = None, *, script: ScriptDirectory | None = None
) -> bool:
    """Whether every head (core's and each loaded plugin's) has been applied.

    A plugin branch that ``depends_on`` a core revision makes that revision implied
    rather than recorded, so compare against everything the recorded heads imply.
    """
    script = script or scripts(plugins)
    applied = {rev.revision for rev in script.get_all_current(tuple(current_heads(engine)))}
    return set(script.get_heads()) <= applied
