"""Revisions of the PostgreSQL store, oldest first: 0001, 0002, ..."""
