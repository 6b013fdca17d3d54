"""The self-service pages of every interface: "forgot password", the reset link and the
e-mail confirmation link, added by the ``add_login_pages`` directive.

"Forgot password" answers the same way whether or not the account exists, and does the
same work on both paths (a token is made either way; the mail itself is sent by a job
after the request). It is throttled per address and per account: a throttled account
gets no further mail but the same answer.
"""

from __future__ import annotations

import logging
from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from sqlalchemy import func, or_, select

from frontdesk.account.mails import send_confirmation, send_reset
from frontdesk.db.users import User
from frontdesk.i18n import _
from frontdesk.i18n.messages import wait_text
from frontdesk.identity import login as identity_login
from frontdesk.identity.accounts import ValidationError
from frontdesk.identity.login import PASSWORD_FIELDS, home_url
from frontdesk.identity.throttle import ThrottlePolicy, count, wait_for
from frontdesk.identity.tokens import (
    Purpose,
    confirm_email,
    issue_confirmation,
    issue_reset,
    new_token,
    redeem_reset,
    reset_user,
)
from frontdesk.plugin_platform.interfaces import Interface
from frontdesk.plugin_platform.permissions import PUBLIC

log = logging.getLogger(__name__)

FORGOT_TEMPLATE = "frontdesk:templates/forgot.pt"
RESET_TEMPLATE = "frontdesk:templates/reset.pt"
#: Reset requests from one address: ten, then one every quarter of an hour (up to an hour).
ADDRESS_POLICY = ThrottlePolicy(free_failures=10, base_delay=900, max_delay=3600)
#: Reset mails to one account: three, then one an hour (the answer stays the same).
ACCOUNT_POLICY = ThrottlePolicy(free_failures=3, base_delay=3600, max_delay=3600)
#: The one answer to every well-formed request: it never tells whether an account exists.
NEUTRAL_ANSWER = _(
    "If an account with this username or email address exists and has an email address, "
    "we have sent it a link to choose a new password. Check your mail (and the spam folder)."
)
LINK_INVALID = _(
    "This link does not work (any more): it was used already, it expired or it is "
    "incomplete. Ask for a new one."
)
#: The reset form's fields: the change-password form's, without the current password.
RESET_FIELDS = tuple(field for field in PASSWORD_FIELDS if field.name != "current_password")


def _route(request: Request, page: str) -> str:
    return f"{request.interface.value}.{page}"


def accounts_for(request: Request, login: str) -> list[User]:
    """The active accounts with an address that ``login`` (a username or an email
    address, any case) names."""
    key = login.strip().casefold()
    return list(
        request.dbsession.scalars(
            select(User).where(
                User.active.is_(True),
                User.email.is_not(None),
                or_(User.login_key == key, func.lower(User.email) == key),
            )
        )
    )


def forgot_view(request: Request) -> Any:
    form: dict[str, Any] = {"login": "", "errors": {}, "message": None}
    if request.method != "POST":
        return form
    login = request.POST.get("login", "").strip()
    form["login"] = login
    if not login:
        form["errors"]["login"] = _("Enter your username or email address.")
        request.response.status_int = 400
        return form
    db = request.dbsession
    address_key = f"reset:address:{(request.client_addr or 'unknown')[:45]}"
    if wait := wait_for(db, address_key):
        form["message"] = _(
            "Too many requests came from your network. Please try again in ${wait}.",
            mapping={"wait": wait_text(wait, request)},
        )
        request.response.status_int = 429
        request.response.headers["Retry-After"] = str(wait)
        return form
    count(db, address_key, ADDRESS_POLICY)
    users = accounts_for(request, login)
    for user in users:
        account_key = f"reset:account:{user.id}"
        if wait_for(db, account_key):
            log.warning("password reset mail for %r throttled", user.username)
            continue
        count(db, account_key, ACCOUNT_POLICY)
        token = issue_reset(db, user)
        link = request.route_url(_route(request, "reset"), token=token)
        send_reset(request, user, link)
        log.info("password reset mail queued for %r", user.username)
    if not users:
        new_token()  # the same work as for an account: time tells nothing
        count(db, f"reset:unknown:{login.casefold()[:150]}", ACCOUNT_POLICY)
    request.session.flash(NEUTRAL_ANSWER, "success")
    return HTTPSeeOther(request.route_url(_route(request, "login")))


def reset_view(request: Request) -> Any:
    """Choose a new password with the link from the mail; it ends every session of the
    account and lifts its login locks."""
    # The address holds the token: never send it on to another site.
    request.response.headers["Referrer-Policy"] = "no-referrer"
    token = request.matchdict["token"]
    db = request.dbsession
    form: dict[str, Any] = {"errors": {}, "fields": RESET_FIELDS, "invalid": None}
    user = reset_user(db, token)
    if user is None:
        form["invalid"] = LINK_INVALID
        form["forgot_url"] = request.route_path(_route(request, "forgot"))
        request.response.status_int = 404
        return form
    form["user"] = user
    if request.method != "POST":
        return form
    new = request.POST.get("new_password", "")
    if new != request.POST.get("repeat_password", ""):
        form["errors"]["repeat_password"] = _("The two new passwords differ.")
    else:
        try:
            user = redeem_reset(db, token, new)
        except ValidationError as exc:
            form["errors"]["new_password"] = exc.errors["password"]
        else:
            if user is None:  # a concurrent request used the link first
                form["invalid"] = LINK_INVALID
                form["forgot_url"] = request.route_path(_route(request, "forgot"))
                request.response.status_int = 404
                return form
            log.info("password reset by link for %r", user.username)
            request.session.flash(
                _("Your password was changed and every session logged out. Log in with it."),
                "success",
            )
            return HTTPSeeOther(request.route_url(_route(request, "login")))
    request.response.status_int = 400
    return form


def confirm_view(request: Request) -> HTTPSeeOther:
    """Follow an e-mail confirmation link."""
    request.response.headers["Referrer-Policy"] = "no-referrer"
    row = confirm_email(request.dbsession, request.matchdict["token"])
    if row is None:
        request.session.flash(LINK_INVALID, "error")
    elif row.purpose == Purpose.REGISTRATION:
        request.session.flash(_("Your email address is confirmed. You can log in now."), "success")
    else:
        request.session.flash(
            _("Your new email address ${email} is confirmed.", mapping={"email": row.email}),
            "success",
        )
    if request.user is None:
        return HTTPSeeOther(request.route_url(_route(request, "login")))
    return HTTPSeeOther(home_url(request))


def request_confirmation(request: Request, user: User, email: str, purpose: Purpose) -> None:
    """Send ``email`` a link that confirms it for ``user`` (registration or a new address);
    the link leads to this request's interface."""
    token = issue_confirmation(request.dbsession, user, email, purpose)
    link = request.route_url(_route(request, "confirm_email"), token=token)
    send_confirmation(request, user, email, purpose, link)


def add_login_pages(
    config: Configurator,
    *,
    interface: Interface | str,
    login: str,
    logout: str,
    password: str | None = None,
) -> None:
    """Directive: the login, logout and (optionally) change-password pages of
    ``interface``, and its self-service pages under the login page's path:
    ``<login>/forgot`` (route ``<interface>.forgot``), ``<login>/reset/{token}``
    (``<interface>.reset``) and ``<login>/confirm/{token}`` (``<interface>.confirm_email``).
    """
    identity_login.add_login_pages(
        config, interface=interface, login=login, logout=logout, password=password
    )
    name = Interface(interface).value
    base = login.rstrip("/")
    config.add_route(f"{name}.forgot", f"{base}/forgot")
    config.add_view(
        forgot_view,
        route_name=f"{name}.forgot",
        renderer=FORGOT_TEMPLATE,
        permission=PUBLIC,
        request_method=("GET", "POST"),
    )
    config.add_route(f"{name}.reset", f"{base}/reset/{{token}}")
    config.add_view(
        reset_view,
        route_name=f"{name}.reset",
        renderer=RESET_TEMPLATE,
        permission=PUBLIC,
        request_method=("GET", "POST"),
    )
    config.add_route(f"{name}.confirm_email", f"{base}/confirm/{{token}}")
    config.add_view(
        confirm_view, route_name=f"{name}.confirm_email", permission=PUBLIC, request_method="GET"
    )
