"""The useridmapping recipe's migration scripts: its own Alembic branch (``useridmapping``)."""
