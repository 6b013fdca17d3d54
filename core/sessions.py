"""Signed-cookie sessions, one cookie per interface, and CSRF protection.

Portal, management and mobile each keep their own session cookie, so logging into one
never logs into another. Sessions hold no server-side state; the per-user session
generation in the database (see :mod:`frontdesk.security`) is what makes logout final.
"""

from __future__ import annotations

import logging
from typing import Any

from pyramid.config import Configurator
from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.interfaces import ISessionFactory
from pyramid.request import Request
from pyramid.session import JSONSerializer, SignedCookieSessionFactory
from pyramid.settings import asbool
from zope.interface import implementer

from frontdesk.interfaces import Interface

log = logging.getLogger(__name__)

DEVELOPMENT_SECRET = "change-me-development-only"


class InsecureSecret(Exception):
    """Production settings still carry the development session secret."""


#: Flash messages kept per queue (the newest) and characters kept of each: the cookie
#: holding them must stay under the browsers' 4 KB limit, whatever piles up.
MAX_FLASHES = 4
MAX_FLASH_LENGTH = 200


def bounded(session_class: type) -> type:
    """A cookie session class whose flash queues stay small, and whose cookie is never
    refused for its size after the request committed."""

    class BoundedSession(session_class):  # type: ignore[misc, valid-type]
        def flash(self, msg: Any, queue: str = "", allow_duplicate: bool = True) -> None:
            text = str(msg)
            if len(text) > MAX_FLASH_LENGTH:
                text = text[: MAX_FLASH_LENGTH - 1] + "…"
            super().flash(text, queue, allow_duplicate)
            storage = self["_f_" + queue]
            if len(storage) > MAX_FLASHES:
                self["_f_" + queue] = storage[-MAX_FLASHES:]

        def _set_cookie(self, response: Any) -> bool:
            # Runs after the commit: raising here would report failure for a request
            # that succeeded. Drop the messages first, then give up on the cookie.
            try:
                return super()._set_cookie(response)
            except ValueError:
                for key in [key for key in self if key.startswith("_f_")]:
                    dict.pop(self, key)
                try:
                    return super()._set_cookie(response)
                except ValueError:
                    log.error("session cookie too large to send; keeping the old one")
                    return False

    return BoundedSession


@implementer(ISessionFactory)
class PerInterfaceSessionFactory:
    """Hands each request the session of the interface it belongs to."""

    def __init__(self, settings: dict[str, Any]):
        secret = settings.get("frontdesk.session.secret") or DEVELOPMENT_SECRET
        if asbool(settings.get("frontdesk.production")) and secret == DEVELOPMENT_SECRET:
            raise InsecureSecret(
                "set frontdesk.session.secret to a long random value before running in production"
            )
        common = dict(
            secret=secret,
            secure=asbool(settings.get("frontdesk.session.secure", False)),
            httponly=True,
            samesite="Lax",
            timeout=int(settings.get("frontdesk.session.idle_timeout", 3600)),
            reissue_time=60,
            serializer=JSONSerializer(),
            # A request that failed changed nothing, its session included.
            set_on_exception=False,
        )
        self.factories = {
            interface: bounded(
                SignedCookieSessionFactory(
                    cookie_name=f"frontdesk_{interface.value}",
                    salt=f"frontdesk.{interface.value}",
                    **common,
                )
            )
            for interface in Interface
        }

    def __call__(self, request: Request) -> Any:
        return self.factories[request.interface](request)

    def session_for(self, request: Request, interface: Interface) -> Any:
        """Another interface's session on this request (to read it)."""
        if interface == request.interface:
            return request.session
        return self.factories[interface](request)


def includeme(config: Configurator) -> None:
    """Per-interface sessions; a CSRF token required on every unsafe request."""
    factory = PerInterfaceSessionFactory(config.get_settings())
    config.registry.frontdesk_sessions = factory
    config.set_session_factory(factory)
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    config.set_default_csrf_options(require_csrf=True)
