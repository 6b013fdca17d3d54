"""Mailboxes: each department's incoming mailbox (IMAP), set up, tested, deactivated.

The permission is per department: an agent granted it in Sales sees and changes Sales'
mailbox only; every other department's address answers 403. The URL names the
department (``/mail/mailboxes/<department id>``): a department has at most one mailbox.
The IMAP password is never sent back to the browser; leaving its field blank keeps it.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config
from sqlalchemy import func, select

from frontdesk.db.users import Department
from frontdesk.identity.accounts import ValidationError
from frontdesk.mail.mailboxes import mailbox_for_department, test_connection
from frontdesk.plugins.management.admin import services
from frontdesk.plugins.management.admin.common import (
    NOTHING_CHANGED,
    Confirmation,
    ask_first,
    confirmed,
    done,
    invalid,
    matched_id,
    nothing_changed,
    page,
    template,
)
from frontdesk.plugins.management.i18n import _
from frontdesk.plugins.management.permissions import P

LIST = "management.admin.mailboxes"
SECTION = "mailboxes"


def _may(request: Request, department_id: int) -> bool:
    return request.permissions.holds(P.MailboxesManage, department_id)


@view_config(
    route_name=LIST,
    renderer=template("mailboxes"),
    permission=P.MailboxesManage,
    request_method="GET",
)
def mailbox_list(request: Request) -> dict[str, Any]:
    """The departments the user manages mail for, each with its mailbox (or none)."""
    db = request.dbsession
    departments = db.scalars(select(Department).order_by(func.lower(Department.name)))
    rows = [
        {"department": d, "mailbox": mailbox_for_department(db, d.id)}
        for d in departments
        if _may(request, d.id)
    ]
    return page(request, SECTION, rows=rows)


def _department(request: Request) -> Department:
    """The department of the URL: 404 when there is none, 403 when the user may not
    manage its mailbox (the check is the department's, not the section's)."""
    department = request.dbsession.get(Department, matched_id(request))
    if department is None:
        raise HTTPNotFound()
    if not _may(request, department.id):
        raise HTTPForbidden()
    return department


def _form(mailbox: Any) -> dict[str, Any]:
    if mailbox is None:
        return {
            "address": "",
            "imap_host": "",
            "imap_port": "",
            "imap_security": "tls",
            "imap_folder": "INBOX",
            "imap_username": "",
        }
    return {name: getattr(mailbox, name) for name in services.MAILBOX_FIELDS}


def _mailbox_page(request: Request, department: Department, form: dict[str, Any]) -> dict:
    mailbox = mailbox_for_department(request.dbsession, department.id)
    return page(
        request,
        SECTION,
        department=department,
        mailbox=mailbox,
        form=form,
        securities=[
            ("tls", _("TLS (usually port 993)")),
            ("starttls", _("STARTTLS (usually port 143)")),
            ("none", _("None: the password travels unencrypted")),
        ],
    )


@view_config(
    route_name="management.admin.mailbox",
    renderer=template("mailbox"),
    permission=P.MailboxesManage,
)
def mailbox(request: Request) -> Any:
    department = _department(request)
    if request.method != "POST":
        current = mailbox_for_department(request.dbsession, department.id)
        return _mailbox_page(request, department, _form(current))
    # The password is never part of the form shown again, whatever happens.
    form = {name: request.POST.get(name, "") for name in services.MAILBOX_FIELDS}
    values = {**form, "imap_password": request.POST.get("imap_password", "")}
    try:
        changes = services.save_mailbox(
            request.dbsession, request.registry.settings, request.user, department, values
        )
    except ValidationError as exc:
        return {**_mailbox_page(request, department, form), **invalid(request, exc)}
    if not changes:
        return nothing_changed(request, NOTHING_CHANGED, LIST)
    return done(request, _("Mailbox of ${name} saved.", mapping={"name": department.name}), LIST)


def _deactivation(request: Request, department: Department, address: str) -> Confirmation:
    name = {"name": department.name, "address": address}
    return Confirmation(
        title=_("Stop fetching mail for ${name}?", mapping=name),
        consequences=[
            _(
                "Mail sent to ${address} stays in the mailbox and no longer opens or "
                "continues tickets in ${name}.",
                mapping=name,
            ),
            _("Outgoing mail of ${name} is still sent from ${address}.", mapping=name),
            _("You can reactivate the mailbox at any time; nothing is deleted."),
        ],
        button=_("Stop fetching"),
        fields={"change": "deactivate"},
        cancel_url=request.route_path("management.admin.mailbox", id=department.id),
    )


@view_config(
    route_name="management.admin.mailbox_state",
    permission=P.MailboxesManage,
    request_method="POST",
)
def mailbox_state(request: Request) -> Any:
    department = _department(request)
    change = request.POST.get("change", "")
    if change not in ("deactivate", "reactivate"):
        raise HTTPBadRequest(_("Unknown change."))
    current = mailbox_for_department(request.dbsession, department.id)
    if current is None:
        raise HTTPNotFound()
    active = change == "reactivate"
    if not active and current.active and not confirmed(request):
        return ask_first(request, SECTION, _deactivation(request, department, current.address))
    if not services.set_mailbox_active(request.dbsession, request.user, department, active):
        return nothing_changed(request, NOTHING_CHANGED, LIST)
    message = (
        _("Mail for ${name} is fetched again.", mapping={"name": department.name})
        if active
        else _("Mail for ${name} is no longer fetched.", mapping={"name": department.name})
    )
    return done(request, message, LIST)


@view_config(
    route_name="management.admin.mailbox_test",
    permission=P.MailboxesManage,
    request_method="POST",
)
def mailbox_test(request: Request) -> HTTPSeeOther:
    """Log into the IMAP server with the stored settings and say how it went."""
    department = _department(request)
    current = mailbox_for_department(request.dbsession, department.id)
    if current is None:
        raise HTTPNotFound()
    problem = test_connection(current, request.registry.settings)
    back = request.route_url("management.admin.mailbox", id=department.id)
    if problem is None:
        request.session.flash(
            _(
                "Connected: ${host} accepted the login and has the folder ${folder}.",
                mapping={"host": current.imap_host, "folder": current.imap_folder},
            ),
            "success",
        )
    else:
        request.session.flash(
            _("The connection failed: ${reason}", mapping={"reason": problem}), "error"
        )
    return HTTPSeeOther(back)
