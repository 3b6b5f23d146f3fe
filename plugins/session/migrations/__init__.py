"""The session recipe's migration scripts: its own Alembic branch (``session``)."""
