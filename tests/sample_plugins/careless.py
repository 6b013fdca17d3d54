"""A plugin whose author forgot ``permission=`` on two views, and made one public."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.view import view_config

from frontdesk import PUBLIC, PluginInfo, hookimpl

PLUGIN = PluginInfo(name="careless", title="Careless", requires=("portal", "management"))


@hookimpl
def frontdesk_configure(config: Configurator) -> None:
    config.add_route("careless.secrets", "/management/careless/secrets")
    config.add_route("careless.notes", "/careless/notes")
    config.add_route("careless.open", "/careless/open")
    config.scan("tests.sample_plugins.careless")


@view_config(route_name="careless.secrets", renderer="string")
def secrets(request: Request) -> str:
    return "management secrets"


@view_config(route_name="careless.notes", renderer="string", request_method=("GET", "POST"))
def notes(request: Request) -> str:
    return "portal notes"


@view_config(route_name="careless.open", renderer="string", permission=PUBLIC)
def open_page(request: Request) -> str:
    return "open to everyone"
