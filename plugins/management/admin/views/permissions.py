"""Roles and permissions: the defaults matrix, per-agent grants, and "why (not)?"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config
from sqlalchemy import select

from frontdesk.db.tickets import Ticket
from frontdesk.db.users import User
from frontdesk.i18n import translate
from frontdesk.identity.access import TicketPermission, explain, ticket_decision
from frontdesk.identity.accounts import ValidationError, find_user
from frontdesk.plugin_platform.permissions import Permission, Role
from frontdesk.plugin_platform.plugin_state import plugin_statuses
from frontdesk.plugins.management.admin import services
from frontdesk.plugins.management.admin.common import (
    NOTHING_CHANGED,
    done,
    invalid,
    nothing_changed,
    page,
    refuse,
    template,
    user_or_404,
)
from frontdesk.plugins.management.i18n import _
from frontdesk.plugins.management.permissions import P

OWNERS_KEY = "frontdesk.management.permission_owners"
GRANTS = "management.admin.agent_grants"


def permission_owners(request: Request) -> dict[str, str]:
    """Which plugin declared each permission (computed once per process)."""
    registry = request.registry
    owners = registry.get(OWNERS_KEY)
    if owners is None:
        plugins = registry.frontdesk_plugins
        owners = {}
        for plugin in plugins:
            if plugin.problem:
                continue
            others = [p.obj for p in plugins if p is not plugin]
            declare = plugins.pm.subset_hook_caller("frontdesk_permissions", remove_plugins=others)
            for batch in declare():
                for permission in batch or ():
                    owners[permission.name] = plugin.info.name
        registry[OWNERS_KEY] = owners
    return owners


def active_permissions(request: Request) -> dict[str, Permission]:
    """The declared permissions whose plugin is active now."""
    declared: Mapping[str, Permission] = request.registry["frontdesk_permissions"]
    owners = permission_owners(request)
    statuses = plugin_statuses(request)
    result = {}
    for name, permission in declared.items():
        status = statuses.get(owners.get(name, name.split(":", 1)[0]))
        if status is not None and status.active:
            result[name] = permission
    return result


def _agents(request: Request) -> list[User]:
    return list(
        request.dbsession.scalars(
            select(User).where(User.role == Role.AGENT.value).order_by(User.login_key)
        )
    )


@view_config(
    route_name="management.admin.permissions",
    renderer=template("permissions"),
    permission=P.PermissionsManage,
)
def permissions(request: Request) -> dict[str, Any]:
    owners = permission_owners(request)
    plugins = request.registry.frontdesk_plugins
    groups: dict[str, dict[str, Any]] = {}
    for name, permission in sorted(active_permissions(request).items()):
        owner = owners.get(name, name.split(":", 1)[0])
        loaded = plugins.get(owner)
        group = groups.setdefault(
            owner,
            {"name": owner, "title": loaded.info.title if loaded else owner, "permissions": []},
        )
        group["permissions"].append(
            {
                "permission": permission,
                "roles": {
                    role.value: role == Role.ADMINISTRATOR or role in permission.default_roles
                    for role in Role
                },
            }
        )
    order = sorted(groups.values(), key=lambda g: (g["name"] != "core", g["title"].lower()))
    return page(
        request,
        "permissions",
        groups=order,
        roles=list(Role),
        agents=_agents(request),
        ticket_permissions=_ticket_permissions(request),
    )


@view_config(
    route_name="management.admin.grants",
    permission=P.PermissionsManage,
    request_method="GET",
)
def pick_agent(request: Request) -> HTTPSeeOther:
    """The agent picker's target: on to that agent's grants."""
    try:
        agent_id = int(request.GET.get("agent", ""))
    except ValueError:
        raise HTTPBadRequest(_("Choose an agent.")) from None
    return HTTPSeeOther(request.route_url(GRANTS, id=agent_id))


def _agent(request: Request) -> User:
    user = user_or_404(request, staff=True)
    if user.role != Role.AGENT:
        raise HTTPNotFound(_("Administrators hold every permission; only agents have grants."))
    return user


def _scopes(request: Request, user: User) -> list[services.GrantScope]:
    declared = request.registry["frontdesk_permissions"]
    return services.grant_scopes(request.dbsession, user, declared, active_permissions(request))


def _grants_page(request: Request, user: User, **values: Any) -> dict[str, Any]:
    scopes = _scopes(request, user)
    departmental = scopes[0].shown if len(scopes) > 1 else ()
    values.setdefault("ticked", None)
    if user.id == request.user.id:
        values.setdefault("message", services.SELF_GRANTS)
    return page(
        request,
        "permissions",
        person=user,
        scopes=scopes[:-1],
        overall=scopes[-1],
        departmental=departmental,
        agents=_agents(request),
        **values,
    )


@view_config(route_name=GRANTS, renderer=template("grants"), permission=P.PermissionsManage)
def agent_grants(request: Request) -> Any:
    user = _agent(request)
    if request.method != "POST":
        return _grants_page(request, user)
    scopes = _scopes(request, user)
    wanted = {scope.key: set(request.POST.getall(f"grants-{scope.key}")) for scope in scopes}
    try:
        changed = services.save_grants(
            request.dbsession,
            request.user,
            user,
            scopes,
            wanted,
            request.registry["frontdesk_permissions"],
        )
    except ValidationError as exc:
        # Keep what was ticked, so nothing has to be clicked again.
        return _refused(request, user, exc, ticked=wanted)
    if not changed:
        return nothing_changed(request, NOTHING_CHANGED, GRANTS, id=user.id)
    scopes_changed = ", ".join(translate(request, label) for label in changed)
    return done(
        request,
        _(
            "Permissions of ${username} saved for ${scopes}.",
            mapping={"username": user.username, "scopes": scopes_changed},
        ),
        GRANTS,
        id=user.id,
    )


def _refused(request: Request, user: User, exc: ValidationError, **values: Any) -> dict[str, Any]:
    """The grants page again with the reasons; changing one's own grants is forbidden."""
    values = {**_grants_page(request, user, **values), **invalid(request, exc)}
    if "grants" in exc.errors:
        refuse(request, 403)
        values["message"] = exc.errors["grants"]
    return values


@view_config(
    route_name="management.admin.agent_grants_reset",
    renderer=template("grants"),
    permission=P.PermissionsManage,
    request_method="POST",
)
def agent_grants_reset(request: Request) -> Any:
    user = _agent(request)
    key = request.POST.get("scope", "")
    scope = next((s for s in _scopes(request, user) if s.key == key), None)
    if scope is None:
        raise HTTPBadRequest(_("Unknown department."))
    try:
        changed = services.reset_grants(
            request.dbsession,
            request.user,
            user,
            scope,
            request.registry["frontdesk_permissions"],
        )
    except ValidationError as exc:
        return _refused(request, user, exc)
    label = translate(request, scope.label)
    if not changed:
        return nothing_changed(
            request,
            _("${scope} already follows the role's defaults.", mapping={"scope": label}),
            GRANTS,
            id=user.id,
        )
    return done(
        request,
        _(
            "${username} has the role's default permissions in ${scope} again.",
            mapping={"username": user.username, "scope": label},
        ),
        GRANTS,
        id=user.id,
    )


def _ticket_permissions(request: Request) -> list[str]:
    declared = active_permissions(request)
    names = {str(p) for p in TicketPermission if str(p) in declared}
    names |= {n for n, p in declared.items() if p.per_department}
    return sorted(names)


@view_config(
    route_name="management.admin.explain",
    renderer=template("explain"),
    permission=P.PermissionsManage,
    request_method="GET",
)
def why(request: Request) -> dict[str, Any]:
    """Whether a user may use a permission on a ticket, and every rule's verdict."""
    choices = _ticket_permissions(request)
    form = {
        "username": request.GET.get("username", "").strip(),
        "ticket": request.GET.get("ticket", "").strip().lstrip("#"),
        "permission": request.GET.get("permission", str(TicketPermission.VIEW)),
    }
    titles = {name: p.title for name, p in active_permissions(request).items()}
    values = page(request, "permissions", form=form, choices=choices, titles=titles, result=None)
    if "username" not in request.GET and "ticket" not in request.GET:
        return values  # the empty form
    db = request.dbsession
    errors: dict[str, str] = {}
    user = find_user(db, form["username"]) if form["username"] else None
    if not form["username"]:
        errors["username"] = _("Enter a username.")
    elif user is None:
        errors["username"] = _(
            "There is no user named '${username}'.", mapping={"username": form["username"]}
        )
    ticket = (
        db.scalar(select(Ticket).where(Ticket.number == form["ticket"])) if form["ticket"] else None
    )
    if not form["ticket"]:
        errors["ticket"] = _("Enter a ticket number.")
    elif ticket is None:
        errors["ticket"] = _(
            "There is no ticket number ${number}.", mapping={"number": form["ticket"]}
        )
    if form["permission"] not in choices:
        errors["permission"] = _("Choose a permission from the list.")
    if errors:
        refuse(request)
        return {**values, "errors": errors}
    decision = ticket_decision(request, form["permission"], ticket, user)
    rules = explain(request, user, ticket, form["permission"])
    values["result"] = {
        "user": user,
        "ticket": ticket,
        "decision": decision,
        "rules": rules,
        "permission": form["permission"],
    }
    return values
