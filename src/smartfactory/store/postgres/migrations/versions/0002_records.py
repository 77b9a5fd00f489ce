"""Record tables (hand-rolled migration version 2; the DDL shared with DuckDB).

Work orders, decisions, audit log, users, sessions, tokens, models, plans, quarantine.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from smartfactory.store.records import RECORD_TABLES

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the record tables."""
    for statement in RECORD_TABLES:
        op.execute(statement)


def downgrade() -> None:
    """Drop the record tables."""
    op.execute(
        "DROP TABLE work_orders, decisions, audit_log, users, sessions, api_tokens,"
        " model_versions, plans, quarantine"
    )
