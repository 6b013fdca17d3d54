"""Canned replies: prepared answers, per agent or shared, inserted into the reply box.

The functions at the top are the one place canned replies are read and changed; the
views below them only parse forms and check who may do what.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from frontdesk.db.meta import utcnow
from frontdesk.db.users import User
from frontdesk.identity.accounts import ValidationError
from frontdesk.plugin_platform.permissions import allowed
from frontdesk.plugins.management.i18n import _
from frontdesk.plugins.management.permissions import P
from frontdesk.plugins.management.workspace.common import page_assets, template
from frontdesk.plugins.management.workspace.models import CannedReply
from frontdesk.web.request_checks import positive_int

MAX_TITLE = 100
MAX_BODY = 10_000


def canned_for(db: Session, user: User) -> list[CannedReply]:
    """The replies ``user`` may insert: their own first, then the shared ones, by title."""
    return list(
        db.scalars(
            select(CannedReply)
            .where(or_(CannedReply.owner_id == user.id, CannedReply.owner_id.is_(None)))
            .order_by(CannedReply.owner_id.is_(None), CannedReply.title, CannedReply.id)
        )
    )


def find_canned(db: Session, user: User, canned_id: int | None) -> CannedReply | None:
    """One of ``user``'s own or the shared replies; another agent's is not found."""
    if canned_id is None:
        return None
    reply = db.get(CannedReply, canned_id)
    if reply is None or (reply.owner_id is not None and reply.owner_id != user.id):
        return None
    return reply


def save_canned(
    db: Session,
    *,
    owner: User | None,
    title: str,
    body: str,
    reply: CannedReply | None = None,
    format_number: Callable[[int], str] = "{:,}".format,
) -> CannedReply:
    """Create (or, given ``reply``, change) a canned reply; ``owner=None`` shares it.
    Raises :class:`ValidationError` with per-field messages (translation strings, their
    numbers written by ``format_number``); nothing is written then."""
    title = " ".join(title.split())
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Enter a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _(
            "Keep the title under ${count} characters.",
            mapping={"count": format_number(MAX_TITLE)},
        )
    if not body.strip():
        errors["body"] = _("Write the reply's text.")
    elif len(body) > MAX_BODY:
        errors["body"] = _(
            "Keep the text under ${count} characters.",
            mapping={"count": format_number(MAX_BODY)},
        )
    if errors:
        raise ValidationError(errors)
    if reply is None:
        reply = CannedReply(owner=owner)
        db.add(reply)
    else:
        reply.owner = owner
    reply.title, reply.body, reply.updated_at = title, body, utcnow()
    db.flush()
    return reply


def delete_canned(db: Session, reply: CannedReply) -> None:
    db.delete(reply)
    db.flush()


# --- Views ----------------------------------------------------------------------------


def _may_share(request: Request) -> bool:
    return allowed(request, P.CannedManageShared)


def _editable(request: Request) -> CannedReply:
    """The reply in the URL if this agent may change it: 404 for another agent's (and
    for none), 403 for a shared one without the permission to manage shared replies."""
    reply = find_canned(
        request.dbsession, request.user, positive_int(request.matchdict["canned_id"])
    )
    if reply is None:
        raise HTTPNotFound()
    if reply.shared and not _may_share(request):
        raise HTTPForbidden()
    return reply


def _page(request: Request, **values: Any) -> dict[str, Any]:
    replies = canned_for(request.dbsession, request.user)
    may_share = _may_share(request)
    return {
        **page_assets(request),
        "mine": [r for r in replies if not r.shared],
        "shared": [r for r in replies if r.shared],
        "may_share": may_share,
        "editing": None,
        "title": "",
        "body": "",
        "is_shared": False,
        "errors": {},
        "delete_prompt": lambda reply: _(
            "Delete the canned reply “${title}”?", mapping={"title": reply.title}
        ),
        **values,
    }


def _save_from_form(request: Request, reply: CannedReply | None) -> Any:
    post = request.POST
    title, body = post.get("title", ""), post.get("body", "")
    shared = post.get("shared") == "1"
    if shared and not _may_share(request):
        raise HTTPForbidden()
    try:
        saved = save_canned(
            request.dbsession,
            owner=None if shared else request.user,
            title=title,
            body=body,
            reply=reply,
            format_number=request.format_number,
        )
    except ValidationError as exc:
        request.response.status_int = 400
        return _page(
            request, editing=reply, title=title, body=body, is_shared=shared, errors=exc.errors
        )
    mapping = {"title": saved.title}
    request.session.flash(
        _("Saved the canned reply '${title}'.", mapping=mapping)
        if reply
        else _("Added '${title}'.", mapping=mapping),
        "success",
    )
    return HTTPSeeOther(request.route_url("management.canned"))


@view_config(
    route_name="management.canned",
    renderer=template("workspace/canned.pt"),
    permission=P.DashboardView,
    request_method=("GET", "POST"),
)
def canned_list(request: Request) -> Any:
    """My canned replies and the shared ones; the form below adds one."""
    if request.method == "POST":
        return _save_from_form(request, None)
    return _page(request)


@view_config(
    route_name="management.canned_edit",
    renderer=template("workspace/canned.pt"),
    permission=P.DashboardView,
    request_method=("GET", "POST"),
)
def canned_edit(request: Request) -> Any:
    reply = _editable(request)
    if request.method == "POST":
        return _save_from_form(request, reply)
    return _page(request, editing=reply, title=reply.title, body=reply.body, is_shared=reply.shared)


@view_config(
    route_name="management.canned_delete",
    permission=P.DashboardView,
    request_method="POST",
)
def canned_delete(request: Request) -> HTTPSeeOther:
    reply = _editable(request)
    title = reply.title
    delete_canned(request.dbsession, reply)
    request.session.flash(
        _("Deleted the canned reply '${title}'.", mapping={"title": title}), "success"
    )
    return HTTPSeeOther(request.route_url("management.canned"))
