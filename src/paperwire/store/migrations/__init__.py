"""Alembic migrations of the store's schema (versions/). ``HEAD`` names the newest revision,
so a command can tell a store that needs `paperwire init` without loading Alembic; a test
keeps it equal to Alembic's own head."""

HEAD = "0012"
