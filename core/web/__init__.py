"""The web layer: templates, the layout and error pages, security headers, the guards
every request passes (allowed hosts, body limits, input checks, rate limits), form error
helpers and the health endpoints. The top of core: it may use every other concern.
"""

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    """Templates, the request guards (in the order they run), the layout, health."""
    # Chameleon page templates (.pt) for core and plugins, compiled one at a time.
    config.include(".templating")
    # Absolute URLs from frontdesk.public_url; hosts outside frontdesk.allowed_hosts refused.
    config.include(".hosts")
    # Oversized request bodies refused (413) before anything reads them.
    config.include(".body_limit")
    # 400 for control characters (NUL ...) in any parameter, before any view or query.
    config.include(".request_checks")
    # Layout globals, static assets, security headers, error pages.
    config.include(".layout")
    # The language picker every page footer posts to.
    config.include(".language")
    # /healthz and /readyz for load balancers.
    config.include(".health")
