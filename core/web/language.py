"""The language picker in every page's footer: ``POST /language`` (and the same under
each interface's prefix, so the form posts to its own interface's session and CSRF token).

The choice is kept in the ``frontdesk_locale`` cookie for visitors, and saved as the
signed-in user's preference too. Works without JavaScript; the visitor stays on the page.
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.csrf import check_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request

from frontdesk.i18n import LOCALE_COOKIE, offered_locales
from frontdesk.i18n.negotiation import match_locale, use_locale
from frontdesk.identity.login import safe_next
from frontdesk.plugin_platform.interfaces import Interface

#: The portal's picker route (``/language``); the others add the interface's name.
LANGUAGE_ROUTE = "frontdesk.language"
#: A year: the choice outlives the session.
COOKIE_MAX_AGE = 365 * 24 * 3600


def language_route(interface: Interface | str) -> str:
    """The picker's route name on ``interface``."""
    name = Interface(interface)
    return LANGUAGE_ROUTE if name == Interface.PORTAL else f"{LANGUAGE_ROUTE}.{name.value}"


def language_view(request: Request) -> HTTPSeeOther:
    """Switch to the posted ``locale`` (an offered one; anything else changes nothing)
    and go back to ``came_from``."""
    if request.user is not None:
        # Visitors' forms carry no token (it would start a session on every page), and
        # at worst a forged post changes a visitor's language; a user's profile is theirs.
        check_csrf_token(request)
    response = HTTPSeeOther(safe_next(request, request.POST.get("came_from")))
    locale = match_locale(request.POST.get("locale"), offered_locales(request))
    if locale is None:
        return response
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=request.scheme == "https",
    )
    user = request.user
    if user is not None:
        user.locale = locale
    use_locale(request, locale)
    return response


def includeme(config: Configurator) -> None:
    """The picker's route on every interface."""
    from frontdesk.plugin_platform.permissions import PUBLIC

    for interface in Interface:
        route = language_route(interface)
        config.add_route(route, f"{interface.prefix}language")
        config.add_view(
            language_view,
            route_name=route,
            permission=PUBLIC,
            request_method="POST",
            require_csrf=False,
        )
