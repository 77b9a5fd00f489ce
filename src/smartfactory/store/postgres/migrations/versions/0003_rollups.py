"""Roll-ups of samples per signal and whole UTC minute and hour, back-filled from samples.

See :mod:`smartfactory.store.postgres.rollup` for the invariant the writer keeps.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_COLUMNS = """(
    signal_id integer NOT NULL,
    bucket timestamptz NOT NULL,
    n bigint NOT NULL,
    nv bigint NOT NULL,
    total double precision,
    lo double precision,
    hi double precision,
    PRIMARY KEY (signal_id, bucket)
)"""


def upgrade() -> None:
    """Create and back-fill ``samples_1m`` and ``samples_1h``."""
    for table, width in (("samples_1m", "1 minute"), ("samples_1h", "1 hour")):
        op.execute(f"CREATE TABLE {table} {_COLUMNS}")
        op.execute(
            f"INSERT INTO {table} SELECT signal_id,"
            f" date_bin(interval '{width}', ts, timestamptz 'epoch') AS bucket,"
            " count(*), count(value), sum(value), min(value), max(value)"
            " FROM samples GROUP BY 1, 2 ORDER BY 1, 2"
        )


def downgrade() -> None:
    """Drop the roll-ups."""
    op.execute("DROP TABLE samples_1m, samples_1h")
