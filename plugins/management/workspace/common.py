"""Small helpers the workspace's views share."""

from __future__ import annotations

import datetime as dt

from pyramid.request import Request

from frontdesk.db.tickets import TicketPriority, TicketStatus
from frontdesk.tickets import PRIORITY_TITLES, STATUS_TITLES, attachments
from frontdesk.tickets.attachments import UploadPolicy

TEMPLATES = "frontdesk.plugins.management:templates/"
STYLESHEET = "frontdesk.plugins.management:static/workspace.css"
SCRIPT = "frontdesk.plugins.management:static/workspace.js"

ACTIVE_STATUSES = (TicketStatus.OPEN, TicketStatus.WAITING, TicketStatus.ON_HOLD)


def template(name: str) -> str:
    return TEMPLATES + name


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def status_title(status: str) -> str:
    try:
        return STATUS_TITLES[TicketStatus(status)]
    except ValueError:
        return status


def priority_title(priority: str) -> str:
    try:
        return PRIORITY_TITLES[TicketPriority(priority)]
    except ValueError:
        return priority


def upload_policy(request: Request) -> UploadPolicy:
    """The limits in force (the Settings page may override the ini's)."""
    return attachments.upload_policy(request.dbsession, request.registry.settings)


def page_assets(request: Request) -> dict[str, str]:
    """The workspace's stylesheet and script, for the layout's head and scripts slots."""
    return {"stylesheet": request.static_path(STYLESHEET), "script": request.static_path(SCRIPT)}
