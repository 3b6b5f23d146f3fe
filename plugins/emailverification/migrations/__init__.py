"""The emailverification recipe's migration scripts: its Alembic branch ``emailverification``."""
