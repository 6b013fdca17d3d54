"""Schema migrations: core's Alembic branch plus one branch per plugin that owns tables.

Revisions recorded in the database whose scripts are not loaded (a plugin that was
uninstalled, or left out of a pinned ``frontdesk.plugins`` list, after ``db upgrade`` ran its
branch) are *absent*: they are set aside while the loaded branches are checked and upgraded,
and kept in the database, with the plugin's tables, for a reinstall or a
``frontdesk plugins purge``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util.exc import CommandError
from pyramid.path import AssetResolver
from sqlalchemy import Connection, Engine, column, inspect, select, table

from frontdesk.db.revisions import PluginRevision
from frontdesk.plugin_platform.pluginmanager import CORE_PLUGIN, Plugins

CORE_VERSIONS = "frontdesk:migrations/versions"
VERSION_TABLE = table("alembic_version", column("version_num"))
RECORDS = PluginRevision.__table__


@dataclass(frozen=True, kw_only=True)
class Revision:
    """One applied revision: the branch it belongs to (core or a plugin), id and message."""

    branch: str
    revision: str
    message: str


def _folders(plugins: Plugins | None) -> dict[str, str]:
    """Each versions folder (absolute path) and the branch it holds: core's, then each
    loaded plugin's that can run on this core (a fenced plugin's migrations never run)."""
    specs = {CORE_VERSIONS: CORE_PLUGIN}
    if plugins is not None:
        specs |= {p.info.migrations: p.info.name for p in plugins.runnable() if p.info.migrations}
    resolver = AssetResolver()
    return {resolver.resolve(spec).abspath(): name for spec, name in specs.items()}


def version_locations(plugins: Plugins | None) -> list[str]:
    """Folders holding revisions: core's, then each loaded plugin's."""
    return list(_folders(plugins))


def alembic_config(plugins: Plugins | None) -> Config:
    config = Config()
    config.set_main_option(
        "script_location", AssetResolver().resolve("frontdesk:migrations").abspath()
    )
    # os.pathsep-free separator so folder names with spaces or colons are safe.
    config.set_main_option("path_separator", "newline")
    config.set_main_option("version_locations", "\n".join(version_locations(plugins)))
    return config


def upgrade(
    engine: Engine, plugins: Plugins | None = None, target: str = "heads"
) -> list[Revision]:
    """Bring core and every loaded plugin's tables to ``target`` (all heads by default).

    :returns: the revisions applied, oldest first (empty when it was up to date).
    """
    config = alembic_config(plugins)
    script = ScriptDirectory.from_config(config)
    with (
        engine.connect() as connection,
        _sqlite_foreign_keys_off(connection),
        connection.begin(),
    ):
        before = _applied(script, connection)
        with _absent_set_aside(connection, script):
            config.attributes["connection"] = connection
            command.upgrade(config, target)
            _record(connection, script, _folders(plugins))
        after = _applied(script, connection)
    return [rev for rev in _described(script, _folders(plugins)) if rev.revision in after - before]


def downgrade_branch(engine: Engine, plugins: Plugins, branch: str) -> list[Revision]:
    """Undo every revision of ``branch``, a loaded plugin's: its tables are dropped.

    :returns: the revisions undone, newest first (empty when none was applied).
    """
    config = alembic_config(plugins)
    script = ScriptDirectory.from_config(config)
    owners = _folders(plugins)
    with (
        engine.connect() as connection,
        _sqlite_foreign_keys_off(connection),
        connection.begin(),
    ):
        before = _applied(script, connection)
        if any(_owner(script.get_revision(rev), owners) == branch for rev in before):
            with _absent_set_aside(connection, script):
                config.attributes["connection"] = connection
                command.downgrade(config, f"{branch}@base")
                _record(connection, script, owners)
        undone = before - _applied(script, connection)
    return [rev for rev in _described(script, owners) if rev.revision in undone][::-1]


def _described(script: ScriptDirectory, owners: dict[str, str]) -> list[Revision]:
    """Every loaded revision, oldest first."""
    return [
        Revision(
            branch=_owner(rev, owners),
            revision=rev.revision,
            message=rev.doc.strip().splitlines()[0] if rev.doc else "",
        )
        for rev in reversed(list(script.walk_revisions()))
    ]


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


@contextmanager
def _absent_set_aside(connection: Connection, script: ScriptDirectory) -> Iterator[None]:
    """Hide the absent revisions from Alembic for the block (in the caller's transaction),
    then record them again: Alembic refuses to run with revisions it cannot locate.

    An absent revision may stand for loaded ones too (Alembic replaces the row of the core
    revision a plugin's first revision ``depends_on``): those are recorded in its place
    meanwhile, from what :func:`_record` noted while the plugin was loaded.
    """
    absent = _absent(script, _heads(connection))
    if not absent:
        yield
        return
    connection.execute(VERSION_TABLE.delete().where(VERSION_TABLE.c.version_num.in_(absent)))
    stand_ins = _stand_ins(connection, script, absent)
    if stand_ins:
        connection.execute(VERSION_TABLE.insert(), [{"version_num": r} for r in stand_ins])
    yield
    still = set(_heads(connection)) & stand_ins
    if still:
        connection.execute(VERSION_TABLE.delete().where(VERSION_TABLE.c.version_num.in_(still)))
    connection.execute(VERSION_TABLE.insert(), [{"version_num": r} for r in absent])


def _stand_ins(connection: Connection, script: ScriptDirectory, absent: list[str]) -> set[str]:
    """The loaded revisions that only the ``absent`` ones record (see :func:`_record`)."""
    if not absent or not _has_records(connection):
        return set()
    implied = connection.scalars(select(RECORDS.c.implies).where(RECORDS.c.revision.in_(absent)))
    known = [h for h in _heads(connection) if _known(script, h)]
    applied = _ancestry(script, known)
    missing = {
        rev
        for text in implied
        for rev in text.split()
        if _known(script, rev) and rev not in applied
    }
    return _maximal(script, missing)


def _record(connection: Connection, script: ScriptDirectory, owners: dict[str, str]) -> None:
    """Note, for each loaded plugin's recorded revision, its plugin and the other
    branches' revisions it implies (see :class:`~frontdesk.db.revisions.PluginRevision`)."""
    if not _has_records(connection):
        return  # below core revision 0010
    rows = []
    for head in _heads(connection):
        if not _known(script, head):
            continue
        branch = _owner(script.get_revision(head), owners)
        if branch == CORE_PLUGIN:
            continue
        others = {
            rev
            for rev in _ancestry(script, [head])
            if _owner(script.get_revision(rev), owners) != branch
        }
        rows.append(
            {
                "revision": head,
                "plugin": branch,
                "implies": " ".join(sorted(_maximal(script, others))),
            }
        )
    plugins = set(owners.values()) - {CORE_PLUGIN}
    connection.execute(RECORDS.delete().where(RECORDS.c.plugin.in_(plugins)))
    if rows:
        connection.execute(RECORDS.insert(), rows)


def _has_records(connection: Connection) -> bool:
    return inspect(connection).has_table(RECORDS.name)


def _owner(rev: Script, owners: dict[str, str]) -> str:
    """The branch (core or a plugin's name) whose versions folder holds ``rev``."""
    return owners.get(str(Path(rev.path).parent), "?")


def _maximal(script: ScriptDirectory, revisions: set[str]) -> set[str]:
    """``revisions`` without those that are ancestors of another one of them."""
    ancestors = {rev for head in revisions for rev in _ancestry(script, [head]) - {head}}
    return revisions - ancestors


def _heads(connection: Connection) -> tuple[str, ...]:
    return MigrationContext.configure(connection).get_current_heads()


def _absent(script: ScriptDirectory, heads: Iterable[str]) -> list[str]:
    return sorted(h for h in heads if not _known(script, h))


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _applied(script: ScriptDirectory, connection: Connection) -> set[str]:
    """Every loaded revision the database has (recorded heads and what they imply, also
    through the revisions of absent plugins)."""
    heads = _heads(connection)
    known = [h for h in heads if _known(script, h)]
    stand_ins = _stand_ins(connection, script, _absent(script, heads))
    return _ancestry(script, [*known, *stand_ins])


def _ancestry(script: ScriptDirectory, heads: Iterable[str]) -> set[str]:
    """``heads`` and every revision they imply (ancestors and ``depends_on``)."""
    return {rev.revision for rev in script.iterate_revisions(tuple(heads), "base")}


def current_heads(engine: Engine) -> Iterable[str]:
    with engine.connect() as connection:
        return _heads(connection)


def absent_plugins(engine: Engine, plugins: Plugins | None = None) -> dict[str, list[str]]:
    """Plugins whose revisions the database records but whose scripts are not loaded
    (uninstalled or pinned out), with those revisions. Their tables are kept untouched.
    A revision recorded before core revision 0010 may be unattributed: named by its id."""
    absent = _absent(scripts(plugins), current_heads(engine))
    if not absent:
        return {}
    with engine.connect() as connection:
        names = dict(
            connection.execute(
                select(RECORDS.c.revision, RECORDS.c.plugin).where(RECORDS.c.revision.in_(absent))
            ).all()
            if _has_records(connection)
            else ()
        )
    result: dict[str, list[str]] = {}
    for revision in absent:
        result.setdefault(names.get(revision, f"revision {revision}"), []).append(revision)
    return result


def scripts(plugins: Plugins | None = None) -> ScriptDirectory:
    """Every revision of core and the loaded plugins (read from disk: keep it around)."""
    return ScriptDirectory.from_config(alembic_config(plugins))


def is_up_to_date(
    engine: Engine, plugins: Plugins | None = None, *, script: ScriptDirectory | None = None
) -> bool:
    """Whether every head (core's and each loaded plugin's) has been applied; revisions of
    plugins that are not loaded do not count.

    A plugin branch that ``depends_on`` a core revision makes that revision implied
    rather than recorded, so compare against everything the recorded heads imply.
    """
    script = script or scripts(plugins)
    with engine.connect() as connection:
        applied = _applied(script, connection)
    return set(script.get_heads()) <= applied
