"""The passwordless recipe's migration scripts: its own Alembic branch (``passwordless``)."""
