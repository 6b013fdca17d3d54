"""Identity: who is asking and what they may do.

Accounts and passwords, the authenticator chain, login pages and throttling, the session
cookies per interface, the security policy and the ticket access rules, and the audit log
of what administrators did. Builds on the platform; tickets and web build on it.
"""

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    """Session cookies and CSRF, ``request.user`` and permission checks, login pages."""
    config.include(".sessions")
    config.include(".security")
    config.include(".login")
