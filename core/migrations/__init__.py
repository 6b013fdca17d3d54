"""Schema migrations: core's Alembic branch (``versions/``) and ``runner``, which upgrades
core and every plugin's own branch together."""
