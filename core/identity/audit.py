"""Recording administrative changes in the audit log (same transaction as the change)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.audit import AuditEntry
from frontdesk.db.users import User


def record(
    db: Session, *, actor: User | None, action: str, target: str, details: str = ""
) -> AuditEntry:
    """Log that ``actor`` (``None``: the command line) did ``action`` to ``target``.

    The entry is written in the caller's transaction, so a change that rolls back leaves
    no entry and a committed change always has one.
    """
    entry = AuditEntry(
        actor=actor,
        actor_name=actor.username if actor is not None else "(command line)",
        action=action,
        target=target,
        details=details,
    )
    db.add(entry)
    return entry


def recent(db: Session, *, limit: int = 50, before_id: int | None = None) -> list[AuditEntry]:
    """Newest entries first; ``before_id`` pages further back."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(db.scalars(query))
