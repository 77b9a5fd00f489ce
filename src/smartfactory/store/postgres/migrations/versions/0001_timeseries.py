"""Time series and production tables (hand-rolled migration version 1).

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None

STATEMENTS = (
    """CREATE TABLE signals (
        signal_id integer PRIMARY KEY,
        machine text NOT NULL,
        name text NOT NULL,
        unit text NOT NULL DEFAULT '',
        kind text NOT NULL DEFAULT 'analog',
        UNIQUE (machine, name)
    )""",
    """CREATE TABLE samples (
        signal_id integer NOT NULL,
        ts timestamptz NOT NULL,
        value double precision,
        PRIMARY KEY (signal_id, ts)
    ) PARTITION BY RANGE (ts)""",
    "CREATE INDEX samples_ts_brin ON samples USING brin (ts)",
    """CREATE TABLE states (
        machine text NOT NULL,
        start timestamptz NOT NULL,
        "end" timestamptz,
        state smallint NOT NULL,
        reason text,
        order_id text,
        product text,
        PRIMARY KEY (machine, start)
    )""",
    """CREATE TABLE counts (
        machine text NOT NULL,
        ts timestamptz NOT NULL,
        good integer NOT NULL,
        scrap integer NOT NULL,
        PRIMARY KEY (machine, ts)
    )""",
    "CREATE INDEX counts_ts_brin ON counts USING brin (ts)",
    """CREATE TABLE events (
        ts timestamptz NOT NULL,
        kind text NOT NULL,
        source text NOT NULL,
        message text NOT NULL DEFAULT '',
        data jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (ts, kind, source)
    )""",
    """CREATE TABLE orders (
        id text PRIMARY KEY,
        product text,
        quantity integer,
        release timestamptz,
        due timestamptz,
        status text,
        good integer,
        scrap integer,
        finished timestamptz
    )""",
    "CREATE INDEX orders_status ON orders (status)",
)


def upgrade() -> None:
    """Create the tables."""
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    """Drop the tables."""
    op.execute("DROP TABLE orders, events, counts, states, samples, signals")
