"""Alembic environment: run by :mod:`frontdesk.migrations.runner` with a live connection."""

from alembic import context

from frontdesk.db import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
