"""Administration: departments, agents, customers, permissions, plugins, license,
settings and the audit log."""

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    """Routes of the administration pages, under /management/admin/."""
    config.scan(".views")
