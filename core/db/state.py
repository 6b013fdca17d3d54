"""Installation-wide state other processes must see: settings and plugin switches."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from frontdesk.db.meta import Base, utcnow


class Setting(Base):
    """A key/value setting changed at run time (welcome text, installed license, ...)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PluginSwitch(Base):
    """An administrator's choice to switch a plugin off (or back on)."""

    __tablename__ = "plugin_switches"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StateVersion(Base):
    """One row whose counter goes up whenever plugin switches or the license change.

    Every process compares it with the value it last saw, so a change made by another
    process (or the CLI) is noticed by a single cheap query.
    """

    __tablename__ = "state_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


def get_setting(db: Session, key: str, default: str | None = None) -> str | None:
    row = db.get(Setting, key)
    return row.value if row is not None else default


def set_setting(db: Session, key: str, value: str | None, *, bumps_state: bool = False) -> None:
    """Store (or delete, with ``None``) a setting; ``bumps_state`` for gate-relevant ones."""
    row = db.get(Setting, key)
    if value is None:
        if row is not None:
            db.delete(row)
    elif row is None:
        db.add(Setting(key=key, value=value))
    else:
        row.value = value
    if bumps_state:
        bump_state_version(db)


def read_state_version(db: Session) -> int:
    return db.scalar(select(StateVersion.version).where(StateVersion.id == 1)) or 0


def bump_state_version(db: Session) -> None:
    """Tell every process to reload plugin state (row 1 is created by the migration)."""
    db.flush()
    db.execute(
        update(StateVersion).where(StateVersion.id == 1).values(version=StateVersion.version + 1)
    )


def plugin_switches(db: Session) -> dict[str, bool]:
    return {row.name: row.enabled for row in db.scalars(select(PluginSwitch))}


def switch_plugin(db: Session, name: str, enabled: bool) -> None:
    row = db.get(PluginSwitch, name)
    if row is None:
        db.add(PluginSwitch(name=name, enabled=enabled))
    else:
        row.enabled = enabled
    bump_state_version(db)
