"""The example recipe's migration scripts: its own Alembic branch (``example``)."""
