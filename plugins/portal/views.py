"""Portal pages."""

from pyramid.request import Request
from pyramid.view import view_config

from frontdesk.db.state import get_setting

DEFAULT_WELCOME = "How can we help you today?"


@view_config(route_name="portal.home", renderer="templates/home.pt")
def home(request: Request) -> dict:
    return {"welcome": get_setting(request.dbsession, "portal.welcome", DEFAULT_WELCOME)}
