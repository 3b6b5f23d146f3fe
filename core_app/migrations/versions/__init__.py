"""The host's migration scripts (Alembic branch ``host``), oldest first."""
