"""The emailpassword recipe's migration scripts: its own Alembic branch (``emailpassword``)."""
