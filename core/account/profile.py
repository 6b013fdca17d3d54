"""The fields every profile page shares (portal ``/profile``, management
``/management/profile``): display name, e-mail address, language and time zone,
notification choices and, for agents, the signature appended to their replies.

A page builds :func:`profile_form`, includes its macro inside its ``<form>``::

    <metal:f use-macro="profile.macro"/>

and saves a post with :func:`update_profile`. A new e-mail address is only *requested*:
it becomes the account's address when the link mailed to it is followed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyramid.renderers import get_renderer
from pyramid.request import Request

from frontdesk.account.pages import request_confirmation
from frontdesk.db.users import User
from frontdesk.i18n import (
    PREFERENCE_FIELD_IDS,
    PreferencesForm,
    TranslationString,
    _,
    preferences_form,
    update_preferences,
)
from frontdesk.identity.accounts import EMAIL_RE
from frontdesk.identity.tokens import Purpose, pending_change
from frontdesk.mail import notifications

PROFILE_TEMPLATE = "frontdesk:templates/profile_fields.pt"
MAX_NAME = 150
MAX_EMAIL = 254
MAX_SIGNATURE = 2000
#: Field name -> element id, in page order (for :class:`frontdesk.web.forms.ErrorSummary`).
PROFILE_FIELD_IDS = {
    "display_name": "profile-display-name",
    "email": "profile-email",
    **PREFERENCE_FIELD_IDS,
    "signature": "profile-signature",
}


@dataclass(frozen=True, kw_only=True)
class NotificationChoice:
    """One notification kind the user may switch off, as a checkbox."""

    key: str
    title: TranslationString
    enabled: bool


@dataclass(frozen=True, kw_only=True)
class ProfileForm:
    """What the ``fields`` macro of ``frontdesk:templates/profile_fields.pt`` draws."""

    display_name: str
    email: str
    #: A new address waiting for its link to be followed.
    pending_email: str | None
    #: ``None``: the user has no signature field (customers).
    signature: str | None
    notifications: list[NotificationChoice]
    preferences: PreferencesForm
    errors: Mapping[str, Any]

    @property
    def macro(self) -> Any:
        """The shared fields, to include inside the page's form."""
        return get_renderer(PROFILE_TEMPLATE).implementation().macros["fields"]


def profile_form(
    request: Request,
    user: User,
    params: Mapping[str, Any] | None = None,
    errors: Mapping[str, Any] | None = None,
) -> ProfileForm:
    """The profile fields for ``user``: their saved values, or ``params`` as posted when
    the form came back with ``errors`` (from :func:`update_profile`)."""
    posted = params is not None and bool(errors)
    db = request.dbsession
    choices = notifications.user_choices(db, user, request.registry.settings)
    pending = pending_change(db, user)

    def value(name: str, saved: str | None) -> str:
        return str(params.get(name, "") if posted else saved or "")  # type: ignore[union-attr]

    return ProfileForm(
        display_name=value("display_name", user.display_name),
        email=value("email", user.email),
        pending_email=pending.email if pending is not None else None,
        signature=value("signature", user.signature) if user.is_staff else None,
        notifications=[
            NotificationChoice(
                key=kind.key,
                title=kind.title,
                enabled=(f"notify_{kind.key}" in params) if posted else choices[kind.key],  # type: ignore[operator]
            )
            for kind in notifications.kinds_for(user)
        ],
        preferences=preferences_form(request, user, params, errors),
        errors=dict(errors or {}),
    )


def _check(user: User, params: Mapping[str, Any]) -> dict[str, TranslationString]:
    """Errors of the fields this module owns (a field missing from ``params`` is kept)."""
    errors: dict[str, TranslationString] = {}
    if "display_name" in params:
        name = str(params["display_name"]).strip()
        if not name:
            errors["display_name"] = _("Enter your name.")
        elif len(name) > MAX_NAME:
            errors["display_name"] = _(
                "Keep the name under ${max} characters.", mapping={"max": MAX_NAME}
            )
    if "email" in params:
        email = str(params["email"]).strip()
        if not email:
            if user.email:
                errors["email"] = _("Enter your email address.")
        elif len(email) > MAX_EMAIL or not EMAIL_RE.match(email):
            errors["email"] = _("Enter an email address like name@example.com.")
    if user.is_staff and len(str(params.get("signature", ""))) > MAX_SIGNATURE:
        errors["signature"] = _(
            "Keep the signature under ${max} characters.", mapping={"max": MAX_SIGNATURE}
        )
    return errors


def update_profile(
    request: Request, user: User, params: Mapping[str, Any]
) -> dict[str, TranslationString]:
    """Save the profile fields of ``user`` from ``params``; field name -> error, and
    nothing is saved unless every field is valid. Fields missing from ``params`` stay as
    they are (the notification choices are read when ``params`` has ``notifications``).

    A changed e-mail address is mailed a confirmation link and the page is told so (a
    flash message); the address in use stays until the link is followed."""
    errors = _check(user, params)
    db = request.dbsession
    savepoint = db.begin_nested()
    errors = {**update_preferences(request, user, params), **errors}
    if errors:
        savepoint.rollback()
        return errors
    savepoint.commit()
    if "display_name" in params:
        user.display_name = str(params["display_name"]).strip()
    if user.is_staff and "signature" in params:
        user.signature = str(params["signature"]).strip() or None
    if "notifications" in params:
        for kind in notifications.kinds_for(user):
            notifications.set_user_choice(db, user, kind.key, f"notify_{kind.key}" in params)
    email = str(params.get("email", "")).strip()
    if email and email.casefold() != (user.email or "").casefold():
        request_confirmation(request, user, email, Purpose.CHANGE)
        request.session.flash(
            _(
                "We sent a link to ${email}. Your email address changes when you follow it.",
                mapping={"email": email},
            ),
            "success",
        )
    db.flush()
    return {}
