"""Signed-cookie sessions, one cookie per interface, and CSRF protection.

Portal, management and mobile each keep their own session cookie, so logging into one
never logs into another. Sessions hold no server-side state; the per-user session
generation in the database (see :mod:`frontdesk.security`) is what makes logout final.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.interfaces import ISessionFactory
from pyramid.request import Request
from pyramid.session import JSONSerializer, SignedCookieSessionFactory
from pyramid.settings import asbool
from zope.interface import implementer

from frontdesk.interfaces import Interface

DEVELOPMENT_SECRET = "change-me-development-only"


class InsecureSecret(Exception):
    """Production settings still carry the development session secret."""


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
        )
        self.factories = {
            interface: SignedCookieSessionFactory(
                cookie_name=f"frontdesk_{interface.value}",
                salt=f"frontdesk.{interface.value}",
                **common,
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
