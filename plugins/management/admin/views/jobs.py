"""Failed background jobs: what kept failing and why; retry or discard each."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound
from pyramid.request import Request
from pyramid.view import view_config

from frontdesk.db.jobs import OutboxEntry
from frontdesk.jobs import discard_job, failed_jobs, retry_job
from frontdesk.plugins.management.admin import services
from frontdesk.plugins.management.admin.common import (
    Confirmation,
    ask_first,
    confirmed,
    done,
    matched_id,
    page,
    template,
)
from frontdesk.plugins.management.i18n import _
from frontdesk.plugins.management.permissions import P

JOBS = "management.admin.jobs"
SHOWN = 100


@view_config(route_name=JOBS, renderer=template("jobs"), permission=P.JobsManage)
def jobs(request: Request) -> dict[str, Any]:
    return page(request, "jobs", entries=failed_jobs(request.dbsession, limit=SHOWN))


def _discarding(request: Request, name: str) -> Confirmation:
    return Confirmation(
        title=_("Discard the job ${name}?", mapping={"name": name}),
        consequences=[
            _("The job is not run again; what it would have done (a mail, say) does not happen."),
            _("This cannot be undone."),
        ],
        button=_("Discard"),
        fields={"change": "discard"},
        cancel_url=request.route_path(JOBS),
    )


@view_config(route_name="management.admin.job", permission=P.JobsManage, request_method="POST")
def job(request: Request) -> Any:
    """Retry a failed job (queued again from its first attempt) or discard it."""
    entry = request.dbsession.get(OutboxEntry, matched_id(request))
    if entry is None or entry.status != "failed":
        raise HTTPNotFound()
    db, target = request.dbsession, f"job {entry.id} {entry.name}"
    change = request.POST.get("change", "")
    if change == "retry":
        retry_job(db, entry.id)
        services.audit(db, request.user, "job.retry", target, entry.last_error or "")
        return done(
            request, _("The job ${name} is queued again.", mapping={"name": entry.name}), JOBS
        )
    if change == "discard":
        if not confirmed(request):
            return ask_first(request, "jobs", _discarding(request, entry.name))
        discard_job(db, entry.id)
        services.audit(db, request.user, "job.discard", target, entry.last_error or "")
        return done(
            request, _("The job ${name} was discarded.", mapping={"name": entry.name}), JOBS
        )
    raise HTTPBadRequest(_("Unknown change."))
