"""Login, logout and password change, offered to every interface through one directive.

An interface plugin calls ``config.add_login_pages(interface=..., login=..., logout=...,
password=...)``; the routes are named ``<interface>.login``, ``<interface>.logout`` and
``<interface>.password`` and belong to that plugin (so they vanish with it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from babel.lists import format_list
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.interfaces import IRoutesMapper
from pyramid.request import Request

from frontdesk.i18n import TranslationString, _, adopt_browser_time_zone
from frontdesk.i18n.messages import babel_locale, wait_text
from frontdesk.identity.accounts import set_password
from frontdesk.identity.authenticators import authenticate
from frontdesk.identity.passwords import password_problem, verify_password
from frontdesk.identity.security import end_all_sessions, forget_browser, may_use, remember_user
from frontdesk.identity.throttle import record_failure, record_success, seconds_locked
from frontdesk.identity.tokens import awaiting_verification
from frontdesk.plugin_platform.events import UserLoggedIn, emit
from frontdesk.plugin_platform.interfaces import Interface
from frontdesk.plugin_platform.permissions import PUBLIC, Permission, Role

log = logging.getLogger(__name__)

LOGIN_TEMPLATE = "frontdesk:templates/login.pt"
PASSWORD_TEMPLATE = "frontdesk:templates/password.pt"
WRONG_CREDENTIALS = _("Wrong username or password.")
#: Self-registration with e-mail verification: login waits for the link to be followed.
UNCONFIRMED = _(
    "Please confirm your email address first: follow the link in the mail we sent you. "
    'No mail? Use "Forgot password?" to get a new link.'
)
#: The login page's heading in each interface.
LOGIN_HEADINGS = {
    Interface.PORTAL: _("Login"),
    Interface.MANAGEMENT: _("Login to the management interface"),
    Interface.MOBILE: _("Login to the mobile interface"),
}
#: Why a customer who signed in correctly may not use a staff interface.
CUSTOMER_REFUSED = {
    Interface.MANAGEMENT: _(
        "Customer accounts cannot use the management interface. Please use the customer portal."
    ),
    Interface.MOBILE: _(
        "Customer accounts cannot use the mobile interface. Please use the customer portal."
    ),
}
#: How the logout message names each interface ("You are logged out of ${interfaces}.").
INTERFACE_NAMES = {
    Interface.PORTAL: _("the portal"),
    Interface.MANAGEMENT: _("the management interface"),
    Interface.MOBILE: _("the mobile interface"),
}
ACCOUNT_PERMISSION = Permission(
    name="core:account:manage",
    title=_("Change one's own password and log out everywhere"),
    default_roles=frozenset(Role),
)


@dataclass(frozen=True)
class PasswordField:
    """One field of the change-password form."""

    name: str
    label: TranslationString
    autocomplete: str


PASSWORD_FIELDS = (
    PasswordField("current_password", _("Current password"), "current-password"),
    PasswordField("new_password", _("New password"), "new-password"),
    PasswordField("repeat_password", _("Repeat the new password"), "new-password"),
)


def home_url(request: Request) -> str:
    return request.application_url + request.interface.prefix


def safe_next(request: Request, target: str | None) -> str:
    """``target`` if it is a path inside this interface, else the interface's home."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith(request.interface.prefix)
            and not target.startswith("//")
            and "\\" not in target
        ):
            return request.application_url + target
    return home_url(request)


def forgot_url(request: Request) -> str | None:
    """The interface's "forgot password" page, if the app has one."""
    name = f"{request.interface.value}.forgot"
    mapper = request.registry.queryUtility(IRoutesMapper)
    return request.route_path(name) if mapper and mapper.get_route(name) else None


def login_view(request: Request) -> Any:
    interface: Interface = request.interface
    target = request.params.get("next")
    form: dict[str, Any] = {
        "username": "",
        "errors": {},
        "message": None,
        "next": target or "",
        "heading": LOGIN_HEADINGS[interface],
        "forgot_url": forgot_url(request),
    }
    if request.method != "POST":
        if request.user is not None:
            return HTTPSeeOther(safe_next(request, target))
        return form

    login = request.POST.get("username", "").strip()
    password = request.POST.get("password", "")
    form["username"] = login
    if not login:
        form["errors"]["username"] = _("Enter your username.")
    if not password:
        form["errors"]["password"] = _("Enter your password.")
    if form["errors"]:
        request.response.status_int = 400
        return form

    db = request.dbsession
    address = request.client_addr
    wait = seconds_locked(db, login, address)
    if wait:
        log.warning("login throttled for %r from %s (%s)", login, address, interface.value)
        form["message"] = _(
            "Too many failed login attempts. Try again in ${wait}.",
            mapping={"wait": wait_text(wait, request)},
        )
        request.response.status_int = 429
        request.response.headers["Retry-After"] = str(wait)
        return form

    user = authenticate(request, login, password)
    if user is None:
        record_failure(db, login, address)
        log.info("login failed for %r from %s (%s)", login, address, interface.value)
        form["message"] = WRONG_CREDENTIALS
        request.response.status_int = 400
        return form
    record_success(db, login, address)
    if not may_use(user, interface):
        log.info("login refused for customer %r at %s", user.username, interface.value)
        form["message"] = CUSTOMER_REFUSED[interface]
        request.response.status_int = 403
        return form
    if awaiting_verification(db, user):
        log.info("login waits for %r to confirm their email address", user.username)
        form["message"] = UNCONFIRMED
        request.response.status_int = 403
        return form
    adopt_browser_time_zone(user, request.POST.get("browser_time_zone"))
    remember_user(request, user)
    log.info("login ok for %r from %s (%s)", user.username, address, interface.value)
    emit(request, UserLoggedIn(user_id=user.id, interface=interface.value))
    return HTTPSeeOther(safe_next(request, target))


def logged_out_message(request: Request, interfaces: list[Interface]) -> TranslationString:
    """``You are logged out of the portal and the management interface.``"""
    if not interfaces:
        return _("You are logged out.")
    names = [request.localizer.translate(INTERFACE_NAMES[interface]) for interface in interfaces]
    listed = format_list(names, locale=babel_locale(request))
    return _("You are logged out of ${interfaces}.", mapping={"interfaces": listed})


def logout_view(request: Request) -> HTTPSeeOther:
    """Log out of every interface in this browser (and, on request, every device)."""
    user = request.user
    everywhere = user is not None and bool(request.POST.get("everywhere"))
    if everywhere:
        end_all_sessions(user)
    signed_in = forget_browser(request)
    request.session.flash(
        _("You are logged out on every device.")
        if everywhere
        else logged_out_message(request, signed_in),
        "success",
    )
    return HTTPSeeOther(home_url(request))


def password_view(request: Request) -> Any:
    form: dict[str, Any] = {"errors": {}, "fields": PASSWORD_FIELDS}
    if request.method != "POST":
        return form
    user = request.user
    current = request.POST.get("current_password", "")
    new = request.POST.get("new_password", "")
    repeat = request.POST.get("repeat_password", "")
    errors = form["errors"]
    if not verify_password(user.password_hash, current):
        errors["current_password"] = _("This is not your current password.")
    if problem := password_problem(new):
        errors["new_password"] = problem
    elif new != repeat:
        errors["repeat_password"] = _("The two new passwords differ.")
    elif new == current:
        errors["new_password"] = _("Choose a password different from the current one.")
    if errors:
        request.response.status_int = 400
        return form
    set_password(request.dbsession, user, new)  # ends every other session
    remember_user(request, user)
    request.session.flash(
        _("Your password was changed. Other sessions were logged out."), "success"
    )
    return HTTPSeeOther(request.route_url(f"{request.interface.value}.password"))


def add_login_pages(
    config: Configurator,
    *,
    interface: Interface | str,
    login: str,
    logout: str,
    password: str | None = None,
) -> None:
    """Directive: the login, logout and (optionally) change-password pages of ``interface``."""
    name = Interface(interface).value
    config.add_route(f"{name}.login", login)
    config.add_view(
        login_view,
        route_name=f"{name}.login",
        renderer=LOGIN_TEMPLATE,
        permission=PUBLIC,
        request_method=("GET", "POST"),
    )
    config.add_route(f"{name}.logout", logout)
    config.add_view(
        logout_view, route_name=f"{name}.logout", permission=PUBLIC, request_method="POST"
    )
    if password is not None:
        config.add_route(f"{name}.password", password)
        config.add_view(
            password_view,
            route_name=f"{name}.password",
            renderer=PASSWORD_TEMPLATE,
            permission=ACCOUNT_PERMISSION.name,
            request_method=("GET", "POST"),
        )


def includeme(config: Configurator) -> None:
    """The ``add_login_pages`` directive for interface plugins."""
    config.add_directive("add_login_pages", add_login_pages)
