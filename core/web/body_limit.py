"""Request bodies are refused by size before anything reads them (413).

The check runs in the execution policy, around pyramid_retry's, because that policy copies
the body (to make it replayable) before any tween or view runs, and the CSRF check then
parses it. A body is compared with the limit of the URL it is sent to:

- a route whose view is declared with ``uploads=True`` (``@view_config(...,
  uploads=True)``) takes the attachment limits in force (largest file x most files) plus
  the form limit for the text fields;
- every other URL (login pages, settings...) takes the form limit,
  ``frontdesk.request.max_form_size`` (1 MB by default).

A body declared larger (``Content-Length``) is never read; a body of unknown length
(chunked, behind a server that passes it through) is read up to the limit and no further.
The refusal itself is an ordinary error page (or JSON error) raised from a ``NewRequest``
subscriber, so it has the layout and the transaction like any other page.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Mapping
from typing import IO, Any

from pyramid.config import Configurator
from pyramid.events import NewRequest
from pyramid.httpexceptions import HTTPRequestEntityTooLarge
from pyramid.interfaces import IExecutionPolicy
from pyramid.request import Request
from pyramid.response import Response
from pyramid.router import Router
from sqlalchemy.exc import SQLAlchemyError

from frontdesk.db.session import ENVIRON_SESSION_KEY
from frontdesk.i18n import _
from frontdesk.tickets.attachments import UploadPolicy, human_size, upload_policy
from frontdesk.web.layout import error_response

FORM_LIMIT_SETTING = "frontdesk.request.max_form_size"
DEFAULT_FORM_LIMIT = 1024 * 1024
#: Registry key: names of the routes whose views accept uploads.
UPLOAD_ROUTES = "frontdesk.upload_routes"
#: Environ key set when a body was refused (its value: the limit it broke).
REFUSED = "frontdesk.body_refused"

ExecutionPolicy = Callable[[dict[str, Any], Router], Any]


class BodyTooLarge(HTTPRequestEntityTooLarge):
    """The request body was larger than its URL accepts; it was not read."""

    def __init__(self, limit: int):
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


def form_limit(settings: Mapping[str, Any]) -> int:
    return int(settings.get(FORM_LIMIT_SETTING) or DEFAULT_FORM_LIMIT)


def upload_limit(policy: UploadPolicy, settings: Mapping[str, Any]) -> int:
    """The largest body a form with attachments may send under ``policy``."""
    return policy.max_size * policy.max_files + form_limit(settings)


def _record_upload_views(view: Any, info: Any) -> Any:
    """View deriver behind the ``uploads=True`` view option: remembers the route."""
    route = info.options.get("route_name")
    if info.options.get("uploads") and route:
        info.registry.setdefault(UPLOAD_ROUTES, set()).add(route)
    return view


_record_upload_views.options = ("uploads",)  # type: ignore[attr-defined]


def _accepts_uploads(router: Router, environ: Mapping[str, Any]) -> bool:
    names = router.registry.get(UPLOAD_ROUTES, set())
    path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
    mapper = router.routes_mapper
    return any(
        route.name in names and route.match(path) is not None for route in mapper.get_routes()
    )


def _upload_policy(router: Router, environ: Mapping[str, Any]) -> UploadPolicy:
    registry, settings = router.registry, router.registry.settings
    seam = environ.get(ENVIRON_SESSION_KEY)
    try:
        if seam is not None:
            return upload_policy(seam, settings)
        with registry["dbsession_factory"]() as db:
            return upload_policy(db, settings)
    except SQLAlchemyError:  # the database is down: the page will say so; use the ini
        return UploadPolicy.from_settings(settings)


def body_limit(router: Router, environ: Mapping[str, Any], size: int | None = None) -> int:
    """The most bytes a request to this URL may carry. ``size``, when known, saves the
    database look-up for bodies within the form limit."""
    settings = router.registry.settings
    small = form_limit(settings)
    if (size is not None and size <= small) or not _accepts_uploads(router, environ):
        return small
    return upload_limit(_upload_policy(router, environ), settings)


def _declared_length(environ: Mapping[str, Any]) -> int | None:
    try:
        return max(int(environ.get("CONTENT_LENGTH") or ""), 0)
    except ValueError:
        return None


def _refuse(environ: dict[str, Any], limit: int) -> None:
    environ[REFUSED] = limit
    environ["wsgi.input"] = io.BytesIO()
    environ["CONTENT_LENGTH"] = "0"


def _read_capped(environ: dict[str, Any], limit: int, spool: IO[bytes]) -> None:
    """Read a body of unknown length into ``spool``, at most ``limit`` + 1 bytes of it."""
    source, total = environ["wsgi.input"], 0
    while total <= limit and (chunk := source.read(min(64 * 1024, limit + 1 - total))):
        spool.write(chunk)
        total += len(chunk)
    if total > limit:
        _refuse(environ, limit)
        return
    spool.seek(0)
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = spool, str(total)


def _has_unknown_length_body(environ: Mapping[str, Any]) -> bool:
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() or bool(
        environ.get("wsgi.input_terminated")
    )


def limit_bodies(policy: ExecutionPolicy) -> ExecutionPolicy:
    """Wrap ``policy`` (pyramid_retry's) so that oversized bodies are never read."""

    def execution_policy(environ: dict[str, Any], router: Router) -> Any:
        declared = _declared_length(environ)
        if declared:
            limit = body_limit(router, environ, declared)
            if declared > limit:
                _refuse(environ, limit)
        elif declared is None and _has_unknown_length_body(environ):
            # The view has run when the policy returns: the copy can go then.
            with tempfile.SpooledTemporaryFile(max_size=256 * 1024) as spool:
                _read_capped(environ, body_limit(router, environ), spool)
                return policy(environ, router)
        return policy(environ, router)

    return execution_policy


def _raise_if_refused(event: NewRequest) -> None:
    limit = event.request.environ.get(REFUSED)
    if limit is not None:
        raise BodyTooLarge(limit)


def too_large(exc: BodyTooLarge, request: Request) -> Response:
    with_files = exc.limit > form_limit(request.registry.settings)
    message = (
        _(
            "What you sent is larger than this page accepts (${limit} at most), so it was "
            "not read. Go back, attach fewer or smaller files, and try again."
        )
        if with_files
        else _(
            "What you sent is larger than this page accepts (${limit} at most), so it was "
            "not read. Go back, send less, and try again."
        )
    )
    limit = human_size(exc.limit, request)
    return error_response(request, 413, _("Too large to send"), message % {"limit": limit})


def includeme(config: Configurator) -> None:
    """The ``uploads`` view option, the execution-policy check and the 413 page."""
    config.add_view_deriver(_record_upload_views, "frontdesk_uploads")
    config.add_subscriber(_raise_if_refused, NewRequest)
    config.add_exception_view(too_large, context=BodyTooLarge)

    def wrap() -> None:
        registry = config.registry
        inner = registry.queryUtility(IExecutionPolicy)
        if inner is None:  # pragma: no cover (pyramid_retry is always included)
            from pyramid.router import default_execution_policy as inner
        registry.registerUtility(limit_bodies(inner), IExecutionPolicy)

    # After pyramid_retry registered its policy (its own deferred action, order 0).
    config.action(None, wrap, order=10)
