"""The userroles recipe's migration scripts: its own Alembic branch (``userroles``)."""
