"""Outgoing mail: the log of what was sent, failed or waits for a retry; a test mail."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.view import view_config

from frontdesk.identity.accounts import EMAIL_RE
from frontdesk.mail import outgoing_log, send_test_mail
from frontdesk.plugins.management.admin import services
from frontdesk.plugins.management.admin.common import done, page, refuse, template
from frontdesk.plugins.management.i18n import _
from frontdesk.plugins.management.permissions import P

MAIL_LOG = "management.admin.mail_log"
LOG_SIZE = 50

STATUS_TITLES = {
    "queued": _("queued"),
    "sending": _("being sent"),
    "sent": _("sent"),
    "failed": _("failed"),
    "retrying": _("waiting for a retry"),
}


def _log_page(request: Request, form: dict[str, str], **values: Any) -> dict[str, Any]:
    return page(
        request,
        "mail",
        entries=outgoing_log(request.dbsession, limit=LOG_SIZE),
        status_titles=STATUS_TITLES,
        form=form,
        **values,
    )


@view_config(route_name=MAIL_LOG, renderer=template("mail_log"), permission=P.MailManage)
def mail_log(request: Request) -> Any:
    """The latest outgoing mails; POST sends a test mail to the address given."""
    if request.method != "POST":
        return _log_page(request, {"to": request.user.email or ""})
    form = {"to": request.POST.get("to", "").strip()}
    if not EMAIL_RE.match(form["to"]) or len(form["to"]) > services.EMAIL_MAX:
        refuse(request)
        errors = {"to": _("Enter an e-mail address such as someone@example.com.")}
        return _log_page(request, form, errors=errors)
    send_test_mail(request.dbsession, form["to"], request.locale_name)
    services.audit(request.dbsession, request.user, "mail.test", f"address {form['to']}")
    return done(
        request,
        _(
            "A test mail to ${address} is on its way; it appears in the list below once sent.",
            mapping={"address": form["to"]},
        ),
        MAIL_LOG,
    )
