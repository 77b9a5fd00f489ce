"""The Alembic environment of the PostgreSQL store (script location of :mod:`..schema`).

Revisions are plain SQL run through ``op.execute`` with ``search_path`` set to the store's
schema, so they never name a schema themselves; the version table ``alembic_version`` lives
in the store's schema too. Run them through :func:`smartfactory.store.postgres.schema.migrate`
(or ``smartfactory migrate``), which holds the migration lock and adopts databases created
by the hand-rolled migrations of earlier versions.
"""
