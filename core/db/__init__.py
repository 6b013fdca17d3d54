"""Database wiring and the shared domain models.

Importing this package imports every core model, so ``Base.metadata`` is complete.
"""

from frontdesk.db.meta import Base
from frontdesk.db import state, users, tickets  # noqa: F401  (register the models)

__all__ = ["Base"]
