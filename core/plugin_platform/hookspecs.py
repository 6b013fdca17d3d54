"""The hook specifications: frontdesk's public plugin API.

Every hook is prefixed ``frontdesk_`` and is always called with keyword arguments, so an
implementation may accept any subset of the documented arguments and a spec can grow a new
argument without breaking existing plugins.

The API is versioned by :data:`API_VERSION` (it follows the core's version: a hook is only
removed in a major release). A renamed hook keeps working for one release through
:data:`RENAMED_HOOKS`: a plugin that still implements the old name is wired to the new one
and a :class:`FrontdeskDeprecationWarning` names the plugin.

Every spec below is documented in ``docs/plugin-authors/hooks.rst``; a test checks both
stay in step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from markupsafe import Markup
    from pyramid.config import Configurator
    from pyramid.request import Request
    from sqlalchemy.orm import Session

    from frontdesk.db.users import User
    from frontdesk.identity.access import AccessRule
    from frontdesk.jobs import Job
    from frontdesk.licensing import License, LicenseRefusal
    from frontdesk.plugin_platform import events
    from frontdesk.plugin_platform.navigation import Menu, MenuItem
    from frontdesk.plugin_platform.permissions import Permission
    from frontdesk.plugin_platform.slots import Slot, TicketColumn

PROJECT = "frontdesk"
#: The version of the hook API; it follows the core version.
API_VERSION = "1.0"

hookspec = pluggy.HookspecMarker(PROJECT)

#: Old hook name -> current hook name. Implementations of an old name are called as the
#: new hook, with a deprecation warning, for one release after the rename.
RENAMED_HOOKS: dict[str, str] = {}


class FrontdeskDeprecationWarning(DeprecationWarning):
    """A plugin uses a part of the plugin API that will be removed."""


# ---------------------------------------------------------------------------------------
# Configuration time: called once while the application is built.
# ---------------------------------------------------------------------------------------


@hookspec
def frontdesk_configure(config: Configurator) -> None:
    """Register the plugin's routes, views, static assets and subscribers.

    Called once per loaded plugin while the app is built, in plugin load order. ``config``
    is a Pyramid Configurator whose package is the plugin's own module, so relative specs
    such as ``config.include(".routes")``, ``config.scan(".views")`` and the renderer
    ``"templates/page.pt"`` resolve inside the plugin. Core records which plugin added
    each route: the route answers 404 whenever the plugin is disabled, unlicensed or
    missing a required plugin, without the plugin checking anything itself.

    Do not call ``config.commit()``: two plugins claiming the same route name or view
    must fail at startup rather than win by load order.

    :param config: the Configurator scoped to the plugin.
    :returns: nothing. All implementations are called, one plugin at a time.
    """


@hookspec
def frontdesk_permissions() -> list[Permission]:
    """Declare the permissions the plugin introduces.

    Called once while the app is built. Names follow ``<plugin>:<resource>:<action>``
    and must be unique across all plugins (a duplicate stops the app at startup).
    ``Permission.default_roles`` says which built-in roles hold it until an administrator
    changes the grants.

    :returns: a list of :class:`frontdesk.Permission`.
        Results from all plugins are combined.
    """


@hookspec
def frontdesk_jobs() -> list[Job]:
    """Declare the plugin's background jobs and periodic jobs.

    Called once when an application or a worker starts. Each :class:`frontdesk.Job` has a
    name unique across all plugins, prefixed with the plugin's name (``"mail.send"``); a
    name declared twice stops the app at startup. Enqueue a job with
    ``frontdesk.jobs.enqueue(dbsession, name, payload, key=...)``: it runs in a worker
    after your transaction commits, with ``run(ctx, payload)``; its database work through
    ``ctx.db`` commits once, when ``run`` returns. A job with ``periodic="*/5 * * * *"``
    also runs on that schedule. A job that raises is retried ``retries`` times with
    doubling delays, then listed for administrators as failed: make work that leaves the
    database (mail, web calls) idempotent with ``ctx.key``.

    :returns: a list of :class:`frontdesk.Job`. Results from all plugins are combined.
    """


# ---------------------------------------------------------------------------------------
# Request time: authentication and navigation.
# ---------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def frontdesk_authenticate(
    request: Request, login: str, password: str, interface: str
) -> User | None:
    """Check a login and password typed into a login form.

    Called on every login attempt, after throttling, in plugin order (the local password
    store is one implementation among others). Return the matching active user, creating
    or updating the local row if the user comes from an outside directory; return
    ``None`` to let the next authenticator try.

    :param request: the current request.
    :param login: the login as typed (not normalised).
    :param password: the password as typed. Never log it.
    :param interface: ``"portal"``, ``"management"`` or ``"mobile"``.
    :returns: a :class:`frontdesk.db.users.User` or ``None``.
        Stops at first non-None result.
    """


@hookspec(firstresult=True)
def frontdesk_identity_from_request(request: Request, interface: str) -> User | None:
    """Recognise a user from the request itself (an API token, a trusted SSO header).

    Called once per request when the interface's login session holds no user.

    :param request: the current request.
    :param interface: ``"portal"``, ``"management"`` or ``"mobile"``.
    :returns: a :class:`frontdesk.db.users.User` or ``None``.
        Stops at first non-None result.
    """


@hookspec
def frontdesk_menu_items(request: Request, menu: Menu) -> list[MenuItem]:
    """Contribute entries to a menu.

    Called each time a page renders ``menu``, on plugins that are on only: every item of a
    plugin that is off vanishes, ``route_name`` and ``url`` items alike. Core also drops
    items whose route belongs to another plugin that is off and items whose
    ``permission`` the user lacks, then sorts by ``order`` and label: a plugin never
    checks roles or its own state.

    :param request: the current request.
    :param menu: which menu is being drawn, e.g. ``Menu.PORTAL`` (the portal's main
        navigation) or ``Menu.PORTAL_USER`` (the display-name dropdown).
    :returns: a list of :class:`frontdesk.MenuItem`. Results from all plugins are combined.
    """


@hookspec
def frontdesk_ticket_access_rules(
    request: Request, user: User, permission: str
) -> list[AccessRule]:
    """Say which tickets ``user`` may act on with ``permission``.

    Called whenever a ticket list is filtered or a single ticket is checked: both use
    the same rules, so a list never shows what the ticket page refuses. A rule is a name,
    a description (shown when an administrator asks why a user can or cannot see a
    ticket) and a SQLAlchemy condition on ``frontdesk.db.tickets.Ticket``. A user may act
    on a ticket when any rule's condition matches it; return nothing to grant nothing.

    :param request: the current request.
    :param user: the user being checked (not always the request's user).
    :param permission: e.g. ``"core:ticket:view"``.
    :returns: a list of :class:`frontdesk.identity.access.AccessRule`. Results from all plugins
        are combined.
    """


# ---------------------------------------------------------------------------------------
# Request time: UI slots, named places in the templates where plugins add content.
# ---------------------------------------------------------------------------------------


@hookspec
def frontdesk_ui_slot(request: Request, slot: Slot, context: Any) -> str | Markup | None:
    """Add content to a named place in a page.

    Called each time a page renders ``slot``, on plugins that are on only. A plain
    ``str`` is escaped; return a :class:`markupsafe.Markup` for HTML you built safely.
    Inline scripts are refused by the Content-Security-Policy: link script files from
    your static assets instead.

    Each slot belongs to an audience: ``Slot.MANAGEMENT_*`` slots render only on staff
    pages (management and mobile), ``Slot.PORTAL_*`` only on the customers' portal, and
    the ``PAGE_*`` and ``LOGIN_EXTRAS`` slots on every interface (check
    ``request.interface``). The old ``TICKET_SIDE_PANEL`` and ``DASHBOARD_WIDGETS`` are
    still asked on the staff pages, with a deprecation warning (see
    ``frontdesk.plugin_platform.slots.RENAMED_SLOTS``).

    :param request: the current request.
    :param slot: the place, e.g. ``Slot.PAGE_HEAD``, ``Slot.MANAGEMENT_TICKET_SIDE_PANEL``
        or ``Slot.PORTAL_HOME_WIDGETS``.
    :param context: what the page is about (the ticket for ticket slots), else ``None``.
    :returns: content or ``None``. Results from all plugins are combined in plugin order.
    """


@hookspec
def frontdesk_ticket_list_columns(request: Request) -> list[TicketColumn]:
    """Add columns to ticket lists.

    Called each time a ticket list renders, on plugins that are on only. A column shows in
    staff lists (management and mobile) unless its ``interfaces`` name the portal too, so
    internal data never reaches customers by default.

    :param request: the current request.
    :returns: a list of :class:`frontdesk.TicketColumn`. Results from all plugins are
        combined, ordered by ``order``.
    """


# ---------------------------------------------------------------------------------------
# Edition licensing.
# ---------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def frontdesk_verify_license(
    key: str, trusted_keys: dict[str, bytes]
) -> License | LicenseRefusal | None:
    """Turn a license key into a License, or refuse it.

    Called when a key is installed and whenever the current edition is computed (the
    result is cached per process until the license changes). The built-in verifier checks
    an Ed25519 signature offline; a plugin may add another scheme. Return ``None`` for a
    key in a format you do not handle. Only enabled plugins that can run on this core are
    asked: a disabled or fenced plugin never decides the edition. (A plugin's own license
    is declared with ``PluginInfo(entitlement=...)`` instead.)

    :param key: the key as pasted or stored.
    :param trusted_keys: key name -> raw Ed25519 public key bytes that may sign licenses.
    :returns: a :class:`frontdesk.License`, a :class:`frontdesk.LicenseRefusal` with a
        message for the administrator, or ``None``. Stops at first non-None result.
    """


# ---------------------------------------------------------------------------------------
# Events, in two phases. ``event`` is a frozen snapshot (see ``frontdesk.plugin_platform.events``).
# First ``frontdesk_before_commit_event``, inside the request's transaction. Then, after
# the transaction has committed, the event's own hook, so a rolled-back or retried
# request never notifies anyone; the request's database session is closed by then (use
# ``frontdesk.db.session.run_in_new_session`` to write). ``request`` is ``None`` when the
# change comes from a job or the CLI (``JobContext.emit``): check before using it.
# ---------------------------------------------------------------------------------------


@hookspec
def frontdesk_before_commit_event(
    event: events.Event, dbsession: Session, request: Request | None
) -> None:
    """Any event, at the moment it happens, inside the request's transaction.

    Called synchronously while the change is being made, before the transaction commits.
    Write with ``dbsession`` (the request's or the job's own session): your rows commit with the
    change, or are rolled back with it when the request fails later. An exception you
    raise fails the request: the visitor gets the error page and nothing of the request
    is saved, the ticket included. Keep it quick and never call out to other systems
    here (do that after commit, in the event's own hook). Tell events apart with
    ``isinstance`` or ``match``.

    :param event: the event (a ``frontdesk.plugin_platform.events.Event`` subclass).
    :param dbsession: the request's (or the job's) database session.
    :param request: the request making the change, or ``None`` when the change comes
        from a job or the CLI.
    :returns: nothing. All implementations are called.
    """


@hookspec
def frontdesk_ticket_created(event: events.TicketCreated, request: Request | None) -> None:
    """A ticket was created.

    :param event: the ticket's snapshot. :param request: the request that created it, or
        ``None`` when the change comes from a job or the CLI.
    :returns: nothing. All implementations are called.
    """


@hookspec
def frontdesk_ticket_replied(event: events.TicketReplied, request: Request | None) -> None:
    """A message (reply or internal note) was added to a ticket.

    :param event: ticket and message snapshot. :param request: the request, or ``None`` when
        the change comes from a job or the CLI.
    :returns: nothing. All implementations are called.
    """


@hookspec
def frontdesk_ticket_status_changed(
    event: events.TicketStatusChanged, request: Request | None
) -> None:
    """A ticket's status changed (open, waiting, on hold, closed).

    :param event: old and new status. :param request: the request, or ``None`` when
        the change comes from a job or the CLI.
    :returns: nothing. All implementations are called.
    """


@hookspec
def frontdesk_ticket_assigned(event: events.TicketAssigned, request: Request | None) -> None:
    """A ticket was assigned to an agent, or unassigned.

    :param event: old and new assignee ids. :param request: the request, or ``None`` when
        the change comes from a job or the CLI.
    :returns: nothing. All implementations are called.
    """


@hookspec
def frontdesk_chat_started(event: events.ChatStarted, request: Request | None) -> None:
    """A customer started a live chat.

    :param event: the chat's snapshot. :param request: the request, or ``None`` when
        the change comes from a job or the CLI.
    :returns: nothing. All implementations are called.
    """


@hookspec
def frontdesk_chat_message(event: events.ChatMessage, request: Request | None) -> None:
    """A message was posted in a live chat.

    :param event: chat and message snapshot. :param request: the request, or ``None`` when
        the change comes from a job or the CLI.
    :returns: nothing. All implementations are called.
    """


@hookspec
def frontdesk_chat_ended(event: events.ChatEnded, request: Request | None) -> None:
    """A live chat was ended by the customer or an agent.

    :param event: the chat's snapshot. :param request: the request, or ``None`` when
        the change comes from a job or the CLI.
    :returns: nothing. All implementations are called.
    """


@hookspec
def frontdesk_article_published(event: events.ArticlePublished, request: Request | None) -> None:
    """A knowledge-base article was published.

    :param event: the article's snapshot. :param request: the request, or ``None`` when
        the change comes from a job or the CLI.
    :returns: nothing. All implementations are called.
    """


@hookspec
def frontdesk_user_logged_in(event: events.UserLoggedIn, request: Request | None) -> None:
    """A user logged into an interface.

    :param event: user id and interface. :param request: the request, or ``None`` when
        the change comes from a job or the CLI.
    :returns: nothing. All implementations are called.
    """
