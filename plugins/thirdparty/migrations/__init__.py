"""The thirdparty recipe's migration scripts: its own Alembic branch (``thirdparty``)."""
