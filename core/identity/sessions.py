"""Signed-cookie sessions, one cookie per interface, the secret that signs them, and CSRF
protection.

Portal, management and mobile each keep their own session cookie, so logging into one
never logs into another. Sessions hold no server-side state; the per-user session
generation in the database (see :mod:`frontdesk.identity.security`) is what makes logout final.
Each installation signs with its own secret (``frontdesk init`` writes one under ``var/``),
so a cookie from one installation never opens another.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pyramid.config import Configurator
from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.interfaces import ISessionFactory
from pyramid.request import Request
from pyramid.session import JSONSerializer, SignedCookieSessionFactory
from pyramid.settings import asbool
from zope.interface import implementer

from frontdesk.i18n import translate
from frontdesk.plugin_platform.interfaces import Interface

log = logging.getLogger(__name__)

SECRET = "frontdesk.session.secret"
SECRET_FILE = "frontdesk.session.secret_file"
#: The shortest secret production accepts (``secrets.token_urlsafe(48)`` gives 64).
MIN_SECRET_LENGTH = 32
#: Words that mark a placeholder or a made-up secret rather than a random one.
OBVIOUS_WORDS = ("change", "secret", "password", "example", "development", "frontdesk")


class InsecureSecret(Exception):
    """The session secret is missing, unreadable, or too weak for production (one line
    naming the setting)."""


def strict(settings: Mapping[str, Any]) -> bool:
    """Production, or cookies marked Secure: a guessable secret is refused there."""
    return asbool(settings.get("frontdesk.production")) or asbool(
        settings.get("frontdesk.session.secure")
    )


def secret_file_path(settings: Mapping[str, Any]) -> Path | None:
    """``frontdesk.session.secret_file`` resolved from the ini's folder, if set."""
    value = str(settings.get(SECRET_FILE, "")).strip()
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else Path(settings.get("here", ".")) / path


def generate_secret() -> str:
    return secrets.token_urlsafe(48)


def write_secret_file(path: Path) -> None:
    """A new random secret in ``path`` (mode 0600, never overwriting)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=False)
    path.write_text(generate_secret() + "\n")


def weakness(secret: str) -> str | None:
    """Why ``secret`` is guessable, or ``None``."""
    if len(secret) < MIN_SECRET_LENGTH:
        return f"is too short ({len(secret)} characters; use at least {MIN_SECRET_LENGTH})"
    lowered = secret.lower()
    if any(word in lowered for word in OBVIOUS_WORDS) or len(set(secret)) < 8:
        return "is an obvious value, not a random one"
    return None


def session_secret(settings: Mapping[str, Any]) -> str:
    """The secret that signs session cookies: ``frontdesk.session.secret``, else the
    contents of ``frontdesk.session.secret_file`` (``frontdesk init`` creates it).

    Outside production a config with neither gets a random secret per process (sessions
    end on restart); production refuses a missing, short or obvious secret.
    """
    name, secret = SECRET, str(settings.get(SECRET, "")).strip()
    path = secret_file_path(settings)
    if not secret and path is not None:
        name = SECRET_FILE
        try:
            secret = path.read_text("utf-8").strip()
        except FileNotFoundError:
            raise InsecureSecret(
                f"{SECRET_FILE}: {path} does not exist; `frontdesk init` creates it"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InsecureSecret(f"{SECRET_FILE}: cannot read {path}: {exc}") from exc
        if not secret:
            raise InsecureSecret(f"{SECRET_FILE}: {path} is empty")
    hint = 'e.g. python -c "import secrets; print(secrets.token_urlsafe(48))"'
    if not secret:
        if strict(settings):
            raise InsecureSecret(
                f"{SECRET} is not set (nor {SECRET_FILE}): set a long random value; {hint}"
            )
        log.warning(
            "no %s set: using a random one, so sessions end when this process stops", SECRET
        )
        return generate_secret()
    if strict(settings) and (problem := weakness(secret)):
        raise InsecureSecret(f"{name} {problem}: set a long random value; {hint}")
    return secret


#: Flash messages kept per queue (the newest) and characters kept of each: the cookie
#: holding them must stay under the browsers' 4 KB limit, whatever piles up.
MAX_FLASHES = 4
MAX_FLASH_LENGTH = 200


def bounded(session_class: type) -> type:
    """A cookie session class whose flash queues stay small, whose messages are
    translated when flashed, and whose cookie is never refused for its size after the
    request committed."""

    class BoundedSession(session_class):  # type: ignore[misc, valid-type]
        def flash(self, msg: Any, queue: str = "", allow_duplicate: bool = True) -> None:
            """Queue ``msg``; a TranslationString is stored translated for this request."""
            msg = translate(self.request, msg)
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
        common = dict(
            secret=session_secret(settings),
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
