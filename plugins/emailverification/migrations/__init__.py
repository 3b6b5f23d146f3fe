"""The emailverification recipe's migration scripts: its own Alembic branch (``emailverification``)."""
