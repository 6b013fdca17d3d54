"""The agents' workspace: dashboard, ticket queue and ticket page."""

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    """Routes of the workspace, under /management/."""
    config.add_route("management.home", "/management/")
    config.scan(".views")
