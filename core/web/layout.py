"""Page chrome shared by every interface: layout globals, static assets, security and
caching headers and the 400/403/404/500/503 pages (HTML, or JSON for JSON clients)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from pyramid.config import Configurator
from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender, NewResponse
from pyramid.exceptions import BadCSRFToken
from pyramid.httpexceptions import HTTPException, HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import get_renderer, render_to_response
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from frontdesk.db.session import is_database_unavailable
from frontdesk.i18n import (
    INI_DEFAULT_LOCALE,
    LOCALE_COOKIE,
    PREFERENCES_TEMPLATE,
    SOURCE_LOCALE,
    TranslationString,
    _,
    available_locales,
    locale_choices,
)
from frontdesk.i18n.messages import inner, plain
from frontdesk.i18n.negotiation import accept_language_ranges, match_locale, use_locale
from frontdesk.plugin_platform.interfaces import Interface
from frontdesk.plugin_platform.navigation import Menu, ResolvedMenuItem, menu
from frontdesk.plugin_platform.plugin_state import PluginUnavailable
from frontdesk.plugin_platform.slots import render_slot
from frontdesk.web.language import language_route

log = logging.getLogger(__name__)

LAYOUT = "frontdesk:templates/layout.pt"
ERROR_TEMPLATE = "frontdesk:templates/error.pt"
#: The error page without the layout (menus, user, plugin slots): it needs no database.
BARE_ERROR_TEMPLATE = "frontdesk:templates/bare_error.pt"
#: Seconds a client is asked to wait before trying again after a 503.
RETRY_AFTER_SECONDS = 5
#: The title and explanation of the error pages Pyramid raises, in words we translate.
HTTP_ERRORS = {
    400: (_("Bad request"), _("The server could not understand what was sent.")),
    403: (_("Access denied"), _("You may not open this page.")),
    404: (_("Page not found"), _("There is nothing at this address.")),
    405: (_("Method not allowed"), _("This address does not accept this kind of request.")),
    409: (_("Conflict"), _("What you sent conflicts with the current state of the page.")),
    410: (_("Gone"), _("What was at this address has been removed.")),
    415: (
        _("Unsupported media type"),
        _("What you sent is in a format this address does not accept."),
    ),
    429: (_("Too many requests"), _("Too many requests in a short time. Please wait a moment.")),
    501: (_("Not implemented"), _("This server cannot do what was asked.")),
}

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@dataclass
class UI:
    """What the layout needs, computed lazily from the request (``ui`` in templates)."""

    request: Request

    @property
    def product_name(self) -> str:
        return str(self.request.registry.settings.get("frontdesk.product_name", "frontdesk"))

    @property
    def interface(self) -> Interface:
        return self.request.interface

    @property
    def home_url(self) -> str:
        return self.request.application_url + self.interface.prefix

    @property
    def user(self) -> Any:
        return self.request.user

    def menu(self) -> list[ResolvedMenuItem]:
        return menu(self.request, Menu.for_interface(self.interface.value))

    def user_menu(self) -> list[ResolvedMenuItem]:
        return menu(self.request, Menu.for_interface(self.interface.value, user=True))

    def login_url(self) -> str | None:
        route = f"{self.interface.value}.login"
        plugins = self.request.registry.frontdesk_plugins
        return (
            self.request.route_path(route) if plugins.route_is_active(self.request, route) else None
        )

    def flashes(self) -> list[tuple[str, str]]:
        """The messages waiting for this page. Empty queues are only peeked at: popping
        marks the session changed, and a page that re-sends an unchanged session cookie
        can overwrite a newer one (a late favicon 404 undoing a login)."""
        session = self.request.session
        return [
            (queue, msg)
            for queue in ("error", "success", "")
            if session.peek_flash(queue)
            for msg in session.pop_flash(queue)
        ]

    def slot(self, name: str, context: Any = None) -> Markup:
        return render_slot(self.request, name, context)

    def csrf_token(self) -> str:
        return get_csrf_token(self.request)

    def static(self, path: str) -> str:
        return self.request.static_path(path)

    @property
    def locale(self) -> str:
        """The language this page is in (``de``)."""
        return self.request.locale_name

    @property
    def html_lang(self) -> str:
        """The page's language as ``<html lang>`` wants it (``pt-BR``)."""
        return self.locale.replace("_", "-")

    def locale_choices(self) -> list[tuple[str, str]]:
        return locale_choices(self.request)

    @property
    def preferences_macro(self) -> Any:
        """The language and time zone fields of profile forms (see ``preferences.pt``)."""
        return get_renderer(PREFERENCES_TEMPLATE).implementation().macros["fields"]

    def language_url(self) -> str:
        """Where this interface's language picker posts."""
        return self.request.route_path(language_route(self.interface))


def add_renderer_globals(event: BeforeRender) -> None:
    request = event.get("request")
    if request is not None:
        event.setdefault("ui", UI(request))
        event.setdefault("layout", get_renderer(LAYOUT).implementation())


#: For every response that does not choose its own caching (static assets do): pages
#: carry personal data and CSRF tokens, so neither the browser (the back button after
#: logging out on a shared computer) nor a proxy may keep a copy.
NO_STORE = "no-store"


def add_security_headers(event: NewResponse) -> None:
    headers = event.response.headers
    for header, value in SECURITY_HEADERS.items():
        headers.setdefault(header, value)
    headers.setdefault("Cache-Control", NO_STORE)


def wants_json(request: Request) -> bool:
    """API paths, and clients that prefer JSON to HTML."""
    if "/api/" in request.path_info:
        return True
    offers = request.accept.acceptable_offers(["text/html", "application/json"])
    return bool(offers) and offers[0][0] == "application/json"


def locale_without_database(request: Request) -> str:
    """The page's language when the database failed: the visitor's cookie, else the
    browser's languages, else the ini's default (the user's preference and the run-time
    settings live in the database)."""
    available = available_locales()
    header = request.headers.get("Accept-Language")
    for value in (request.cookies.get(LOCALE_COOKIE), *accept_language_ranges(header)):
        if found := match_locale(value, available):
            return found
    default = str(request.registry.settings.get(INI_DEFAULT_LOCALE, ""))
    return default if default in available else SOURCE_LOCALE


def error_response(
    request: Request, status: int, title: str, message: str, *, bare: bool = False
) -> Response:
    """An error page in the layout (``bare``: without it, for when the database is what
    failed), or ``{"error": ...}`` for JSON clients; ``title`` and ``message`` are
    translation strings, translated for the page and for JSON."""
    if bare:
        use_locale(request, locale_without_database(request))
    if wants_json(request):
        translate = request.localizer.translate
        body = {"status": status, "title": translate(title), "message": translate(message)}
        response = Response(json={"error": body})
    else:
        values = {"title": title, "message": message, "status": status}
        try:
            response = render_to_response(
                BARE_ERROR_TEMPLATE if bare else ERROR_TEMPLATE, values, request
            )
        except Exception:  # the layout itself failed (e.g. database down): plain page
            log.exception("error page could not render")
            response = Response(
                f"{status} {plain(title)}\n\n{plain(message)}\n", content_type="text/plain"
            )
    response.status_int = status
    return response


def unavailable_response(request: Request) -> Response:
    """503 with ``Retry-After``: the database is down, locked too long or overloaded."""
    response = error_response(
        request,
        503,
        _("Temporarily unavailable"),
        _(
            "The help desk is busy or cannot reach its database right now, and nothing was "
            "saved. Please try again in a few seconds."
        ),
        bare=True,
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@notfound_view_config()
def not_found(exc: HTTPNotFound, request: Request) -> Response:
    if isinstance(exc, PluginUnavailable):
        # The reason is a phrase ("disabled by an administrator"): a sentence here.
        reason = _("${reason}.", mapping={"reason": inner(exc.detail)})
        return error_response(request, 404, _("Not available"), reason)
    return error_response(request, 404, *HTTP_ERRORS[404])


@forbidden_view_config()
def forbidden(exc: HTTPForbidden, request: Request) -> Response:
    """Anonymous visitors go to their interface's login page and come back after."""
    if request.user is None and not wants_json(request):
        login = f"{request.interface.value}.login"
        if request.registry.frontdesk_plugins.route_is_active(request, login):
            return HTTPSeeOther(request.route_url(login, _query={"next": request.path_qs}))
    return error_response(request, 403, *HTTP_ERRORS[403])


@exception_view_config(BadCSRFToken)
def bad_csrf(exc: BadCSRFToken, request: Request) -> Response:
    return error_response(
        request,
        400,
        _("Form expired"),
        _(
            "The form was out of date or did not come from this site (missing CSRF token). "
            "Go back, reload the page and send it again."
        ),
    )


@exception_view_config(HTTPException)
def http_error(exc: HTTPException, request: Request) -> Response:
    if exc.code and exc.code < 400:  # redirects raised as exceptions pass through
        return exc
    title, explanation = HTTP_ERRORS.get(exc.code, (exc.title, exc.explanation))
    if isinstance(exc.title, TranslationString):  # a subclass with a title of its own
        title = exc.title
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else explanation
    return error_response(request, exc.code or 500, title, message)


@exception_view_config(Exception)
def server_error(exc: Exception, request: Request) -> Response:
    if is_database_unavailable(exc):
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
        return unavailable_response(request)
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(
        request,
        500,
        _("Something went wrong"),
        _("The request could not be completed and nothing was saved. Please try again."),
    )


def includeme(config: Configurator) -> None:
    """Layout globals, core static assets, security headers, error pages."""
    config.add_subscriber(add_renderer_globals, BeforeRender)
    config.add_subscriber(add_security_headers, NewResponse)
    config.add_static_view(name="static/frontdesk", path="frontdesk:static", cache_max_age=3600)
    config.scan("frontdesk.web.layout")
