"""Which plugin each recorded plugin migration belongs to, for when its code is gone."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.meta import Base


class PluginRevision(Base):
    """A plugin's revision recorded in ``alembic_version``: the plugin's name and the
    revisions of other branches it implies (its ``depends_on``), so that it can be named
    and set aside when the plugin is uninstalled or pinned out (see
    :mod:`frontdesk.migrations.runner`).
    """

    __tablename__ = "plugin_revisions"

    revision: Mapped[str] = mapped_column(String(32), primary_key=True)
    plugin: Mapped[str] = mapped_column(String(100))
    #: Space-separated revision ids.
    implies: Mapped[str] = mapped_column(Text, default="")
