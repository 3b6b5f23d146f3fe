"""The usermetadata recipe's migration scripts: its own Alembic branch (``usermetadata``)."""
