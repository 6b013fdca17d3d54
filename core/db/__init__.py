"""Database wiring and the shared domain models.

Importing this package imports every core model, so ``Base.metadata`` is complete.
"""

from pyramid.config import Configurator

from frontdesk.db import (  # noqa: F401  (register the models)
    audit,
    auth,
    jobs,
    mail,
    outgoing,
    revisions,
    state,
    tickets,
    users,
)
from frontdesk.db.meta import Base

__all__ = ["Base"]


def includeme(config: Configurator) -> None:
    """The engine, ``request.dbsession`` and one transaction per request."""
    config.include("frontdesk.db.session")
