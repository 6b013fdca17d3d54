"""The address the help desk is reached at: every absolute URL comes from it.

Without configuration, absolute URLs (redirects, links in pages, later in mail) are built
from the request's ``Host`` (or a trusted proxy's ``X-Forwarded-Host``), which a client
chooses: ``Host: evil.test`` would send the next redirect to ``http://evil.test/``.
Two settings close that:

- ``frontdesk.public_url`` (``https://help.example.com``): every request is treated as
  arriving at this scheme, host and port, so ``request.application_url``, ``route_url``
  and redirects always name it; :func:`public_url` gives it to code outside a request.
- ``frontdesk.allowed_hosts`` (host names, space or line separated): a request for any
  other host is refused with 400.

With neither set (development), URLs follow the request as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pyramid.config import Configurator
from pyramid.events import NewRequest
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.settings import asbool

from frontdesk.db.session import HEALTH_PATHS
from frontdesk.i18n import _

PUBLIC_URL = "frontdesk.public_url"
ALLOWED_HOSTS = "frontdesk.allowed_hosts"
#: Hosts reserved for documentation: left in a production config, they are a placeholder.
PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net")
DEFAULT_PORTS = {"http": "80", "https": "443"}


class HostConfigError(ValueError):
    """``frontdesk.public_url`` or ``frontdesk.allowed_hosts`` is unusable (one line)."""


def public_url(settings: Mapping[str, Any]) -> str | None:
    """The configured public base URL without a trailing slash (``None``: not set)."""
    value = str(settings.get(PUBLIC_URL, "")).strip().rstrip("/")
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or not _valid_port(value):
        raise HostConfigError(
            f"{PUBLIC_URL} must be an address like https://help.example.com, not {value!r}"
        )
    if parts.path or parts.query or parts.fragment or parts.username:
        raise HostConfigError(
            f"{PUBLIC_URL} must be scheme://host[:port] only (no path, query or user): {value!r}"
        )
    return value


def _valid_port(url: str) -> bool:
    try:
        urlsplit(url).port  # noqa: B018 (raises for a port out of range)
    except ValueError:
        return False
    return True


def allowed_hosts(settings: Mapping[str, Any]) -> frozenset[str]:
    """The host names ``frontdesk.allowed_hosts`` lists, lower-cased (empty: any host)."""
    return frozenset(name.lower() for name in str(settings.get(ALLOWED_HOSTS, "")).split())


def host_name(host: str) -> str:
    """``Host`` header value without its port, lower-cased (IPv6 brackets kept)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0]


def _is_placeholder(url: str) -> bool:
    name = str(urlsplit(url).hostname)
    return any(name == domain or name.endswith(f".{domain}") for domain in PLACEHOLDER_DOMAINS)


def _environ_for(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    port = str(parts.port or DEFAULT_PORTS[parts.scheme])
    host = parts.netloc if parts.port and port != DEFAULT_PORTS[parts.scheme] else parts.hostname
    return {
        "wsgi.url_scheme": parts.scheme,
        "HTTP_HOST": str(host),
        "SERVER_NAME": str(parts.hostname),
        "SERVER_PORT": port,
    }


def make_host_guard(settings: Mapping[str, Any]) -> Any:
    """A NewRequest subscriber applying the public URL and the allowed hosts."""
    url = public_url(settings)
    public_environ = _environ_for(url) if url else None
    allowed = allowed_hosts(settings)

    def guard(event: NewRequest) -> None:
        environ = event.request.environ
        asked = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if public_environ is not None:
            environ.update(public_environ)
        # Health checks answer a load balancer probing by address, whatever its Host.
        if (
            allowed
            and host_name(asked) not in allowed
            and environ.get("PATH_INFO") not in HEALTH_PATHS
        ):
            if public_environ is None:  # the refusal page's own links name a good host
                environ["HTTP_HOST"] = sorted(allowed)[0]
            raise HTTPBadRequest(
                detail=_("This help desk does not answer at this address (unknown Host).")
            )

    return guard


def includeme(config: Configurator) -> None:
    """Absolute URLs from ``frontdesk.public_url``; other hosts refused when listed."""
    settings = config.get_settings()
    url = public_url(settings)
    if url and asbool(settings.get("frontdesk.production")) and _is_placeholder(url):
        raise HostConfigError(
            f"{PUBLIC_URL} still names the placeholder {url}: set the address people use"
        )
    if url or allowed_hosts(settings):
        config.add_subscriber(make_host_guard(settings), NewRequest)
