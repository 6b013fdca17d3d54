"""Health checks for load balancers and orchestrators.

``/healthz`` (liveness) answers 200 while the process serves requests, without touching
the database; ``/readyz`` (readiness) answers 200 only when the database answers and every
migration is applied, else 503. Both are public, JSON, never cached, and set no cookie.
"""

from __future__ import annotations

import logging
from functools import cached_property

from alembic.script import ScriptDirectory
from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy.exc import SQLAlchemyError

from frontdesk.migrations import runner as migrate
from frontdesk.plugin_platform.permissions import PUBLIC
from frontdesk.web.layout import RETRY_AFTER_SECONDS

log = logging.getLogger(__name__)


def _answer(status: int, state: str, detail: str | None = None) -> Response:
    body = {"status": state} if detail is None else {"status": state, "detail": detail}
    response = Response(json=body, status=status)
    response.cache_control.no_store = True
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def liveness(request: Request) -> Response:
    return _answer(200, "ok")


class Readiness:
    """The readiness view; the migration scripts are read from disk once."""

    def __init__(self, registry: object) -> None:
        self.registry = registry

    @cached_property
    def script(self) -> ScriptDirectory:
        return migrate.scripts(self.registry.frontdesk_plugins)  # type: ignore[attr-defined]

    def __call__(self, request: Request) -> Response:
        engine = request.registry["dbengine"]
        try:
            up_to_date = migrate.is_up_to_date(engine, script=self.script)
        except SQLAlchemyError as exc:
            log.warning("readiness: database unavailable: %s", exc)
            return _answer(503, "unavailable", "the database cannot be reached")
        if not up_to_date:
            return _answer(
                503, "unavailable", "the database needs migrations: frontdesk db upgrade"
            )
        return _answer(200, "ok")


def includeme(config: Configurator) -> None:
    """/healthz and /readyz, outside every plugin."""
    config.add_route("frontdesk.healthz", "/healthz")
    config.add_route("frontdesk.readyz", "/readyz")
    methods = ("GET", "HEAD")
    config.add_view(
        liveness, route_name="frontdesk.healthz", request_method=methods, permission=PUBLIC
    )
    config.add_view(
        Readiness(config.registry),
        route_name="frontdesk.readyz",
        request_method=methods,
        permission=PUBLIC,
    )
