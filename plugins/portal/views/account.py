"""The visitor's account: self-registration (when the setting allows) and the profile
page, where a signed-in user chooses their language and time zone."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from frontdesk.account.pages import request_confirmation
from frontdesk.account.profile import PROFILE_FIELD_IDS, profile_form, update_profile
from frontdesk.identity.accounts import ValidationError, create_user, find_user
from frontdesk.identity.login import ACCOUNT_PERMISSION
from frontdesk.identity.passwords import MIN_LENGTH, hash_password
from frontdesk.identity.throttle import REGISTRATION_POLICY, count, wait_for, wait_text
from frontdesk.identity.tokens import Purpose, new_token
from frontdesk.plugin_platform.permissions import PUBLIC, Role
from frontdesk.plugins.portal.i18n import _
from frontdesk.plugins.portal.people import (
    ENTER_NAME,
    MAX_EMAIL,
    MAX_NAME,
    NAME_TOO_LONG,
    email_is_registered,
)
from frontdesk.plugins.portal.settings import REGISTRATION, VERIFY_EMAIL, flag
from frontdesk.plugins.portal.views.common import STYLESHEET, invalid, template
from frontdesk.web.forms import ErrorSummary

FIELDS = ("username", "display_name", "email")
#: What register.pt draws of each text field: name, label, input type, autocomplete, hint.
FIELD_TEXTS = (
    (
        "username",
        _("Username"),
        "text",
        "username",
        _("Letters, digits and . _ @ + - (you log in with it)."),
    ),
    (
        "display_name",
        _("Your name"),
        "text",
        "name",
        _("Shown to our team and at the top of the page."),
    ),
    ("email", _("Email address"), "email", "email", _("We send answers to your tickets here.")),
)
#: The one answer to a well-formed registration, whether or not its username or email
#: address was in use: anything else would tell strangers who has an account here.
NEUTRAL_ANSWER = _(
    "Thank you. If the username and email address were not in use yet, your account is "
    "ready: log in with them below. If you have an account already, log in with it."
)
#: The same, when new accounts confirm their address first.
NEUTRAL_ANSWER_VERIFY = _(
    "Thank you. If the username and email address were not in use yet, we have sent a "
    "link to your email address: follow it, then log in. If you have an account already, "
    "log in with it."
)


@view_config(
    route_name="portal.register",
    renderer=template("register.pt"),
    permission=PUBLIC,
    request_method=("GET", "POST"),
    portal_flag=REGISTRATION,  # switched off: a plain 404, before any CSRF check
)
def register(request: Request) -> Any:
    if request.user is not None:
        return HTTPSeeOther(request.route_url("portal.home"))
    values = dict.fromkeys(FIELDS, "")
    form: dict[str, Any] = {
        "stylesheet": STYLESHEET,
        "errors": {},
        "values": values,
        "fields": FIELD_TEXTS,
        "min_password": MIN_LENGTH,
    }
    if request.method != "POST":
        return form

    db = request.dbsession
    throttle_key = f"register:{request.client_addr}" if request.client_addr else None
    if throttle_key and (wait := wait_for(db, throttle_key)):
        form["message"] = _(
            "Too many registrations came from your network recently. Please try again in ${wait}.",
            mapping={"wait": wait_text(wait)},
        )
        request.response.status_int = 429
        request.response.headers["Retry-After"] = str(wait)
        return form

    post = request.POST
    for field in FIELDS:
        values[field] = post.get(field, "").strip()
    password = post.get("password", "")
    repeat = post.get("repeat_password", "")
    errors: dict[str, str] = {}
    if not values["display_name"]:
        errors["display_name"] = ENTER_NAME
    elif len(values["display_name"]) > MAX_NAME:
        errors["display_name"] = NAME_TOO_LONG
    if not values["email"]:
        errors["email"] = _("Enter your email address.")
    elif len(values["email"]) > MAX_EMAIL:
        errors["email"] = _(
            "Keep the email address under ${max} characters.", mapping={"max": MAX_EMAIL}
        )

    # create_user validates username, email and password; a savepoint undoes the new
    # account when this form found a problem of its own or the name or address is taken.
    username_taken = find_user(db, values["username"]) is not None
    taken = username_taken or (bool(values["email"]) and email_is_registered(db, values["email"]))
    savepoint = db.begin_nested()
    user = None
    try:
        user = create_user(
            db,
            username=values["username"],
            role=Role.CUSTOMER,
            password=password,
            # Fields refused above are left out, so that only valid values reach the
            # database (the account is rolled back anyway).
            display_name=None if "display_name" in errors else values["display_name"],
            email=None if "email" in errors else values["email"],
        )
    except ValidationError as exc:
        errors = {**exc.errors, **errors}
    if username_taken:
        errors.pop("username", None)  # "taken" would tell whether the account exists
    if "password" not in errors and password != repeat:
        errors["repeat_password"] = _("The two passwords differ.")
    if errors or taken or user is None:
        savepoint.rollback()
    if errors:
        form["errors"] = errors
        return invalid(request, form)
    verify = flag(request, VERIFY_EMAIL)
    if taken:
        hash_password(password)  # as long as creating an account takes: time tells nothing
        if verify:
            new_token()  # and as long as making its confirmation link
    else:
        savepoint.commit()
        if verify:
            request_confirmation(request, user, values["email"], Purpose.REGISTRATION)
    if throttle_key:
        count(db, throttle_key, REGISTRATION_POLICY)
    request.session.flash(NEUTRAL_ANSWER_VERIFY if verify else NEUTRAL_ANSWER, "success")
    return HTTPSeeOther(request.route_url("portal.login"))


@view_config(
    route_name="portal.profile",
    renderer=template("profile.pt"),
    permission=ACCOUNT_PERMISSION.name,
    request_method=("GET", "POST"),
)
def profile(request: Request) -> Any:
    """The signed-in user's profile fields (name, email, language and time zone,
    notifications); a refused choice comes back beside its field, as it was entered,
    and nothing is saved."""
    user = request.user
    errors = {}
    if request.method == "POST":
        errors = update_profile(request, user, request.POST)
        if not errors:
            request.session.flash(_("Your preferences were saved."), "success")
            return HTTPSeeOther(request.route_url("portal.profile"))
    page = {
        "stylesheet": STYLESHEET,
        "user": user,
        "profile": profile_form(request, user, request.POST, errors),
        "summary": ErrorSummary.build(request, errors, PROFILE_FIELD_IDS),
        "password_url": request.route_path("portal.password"),
    }
    return invalid(request, page) if errors else page
