"""Alembic's entry point: runs the revisions on the connection :func:`..schema.migrate` passes.

Only online migrations are supported (``alembic upgrade --sql`` is not): the connection,
already inside a transaction holding the advisory migration lock and with ``search_path`` set
to the store's schema, comes in ``config.attributes["connection"]`` and the schema in
``config.attributes["schema"]``.
"""

from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    msg = "run migrations through smartfactory.store.postgres.schema.migrate (smartfactory migrate)"
    raise RuntimeError(msg)
context.configure(
    connection=connection,
    version_table_schema=config.attributes["schema"],
    transactional_ddl=True,
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
