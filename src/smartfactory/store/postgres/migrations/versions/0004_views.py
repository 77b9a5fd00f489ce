"""Read access for other tools: reference tables and the documented ``v_*`` views.

Reference tables: ``state_codes`` (every MachineState code with its name, ISO 22400-2 time
category and whether it counts in planned busy time), ``machines`` and ``ideal_cycles``
(written from the plant file by ``smartfactory serve`` / ``ingest``, see
:func:`smartfactory.store.postgres.plant.sync_plant`). The views are listed in
``docs/server.md``; ``v_oee_hourly`` follows ``smartfactory.kpi`` (ISO 22400) on the recorded
states (no shift-calendar overlay: that is ``oee(..., calendar=False)``).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATE_CODES = (
    (0, "unknown", "unknown", True),
    (1, "producing", "actual_production_time", True),
    (2, "idle", "actual_unit_delay_time", True),
    (3, "starved", "actual_unit_delay_time", True),
    (4, "blocked", "actual_unit_delay_time", True),
    (5, "setup", "actual_unit_setup_time", True),
    (6, "planned_stop", "planned_down_time", False),
    (7, "unplanned_stop", "actual_unit_down_time", True),
    (8, "no_shift", "outside_planned_operating_time", False),
)
"""MachineState codes as of this revision (tests check them against the domain)."""

_EPOCH = "timestamptz 'epoch'"

STATEMENTS = (
    """CREATE TABLE state_codes (
        code smallint PRIMARY KEY,
        name text NOT NULL,
        category text NOT NULL,
        planned_busy boolean NOT NULL
    )""",
    "INSERT INTO state_codes VALUES "
    + ", ".join(f"({c}, '{n}', '{k}', {str(b).upper()})" for c, n, k, b in STATE_CODES),
    """CREATE TABLE machines (
        machine text PRIMARY KEY,
        name text NOT NULL DEFAULT '',
        line text NOT NULL DEFAULT '',
        area text NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE ideal_cycles (
        machine text NOT NULL,
        product text NOT NULL DEFAULT '',
        ideal_cycle_s double precision NOT NULL,
        PRIMARY KEY (machine, product)
    )""",
    """CREATE VIEW v_signals AS
        SELECT g.machine, g.name AS signal, g.unit, s.ts, s.value
        FROM samples s JOIN signals g USING (signal_id)""",
    """CREATE VIEW v_signal_1m AS
        SELECT g.machine, g.name AS signal, g.unit, r.bucket, r.n,
               CASE WHEN r.nv > 0 THEN r.total / r.nv END AS mean, r.lo AS min, r.hi AS max
        FROM samples_1m r JOIN signals g USING (signal_id)""",
    """CREATE VIEW v_signal_1h AS
        SELECT g.machine, g.name AS signal, g.unit, r.bucket, r.n,
               CASE WHEN r.nv > 0 THEN r.total / r.nv END AS mean, r.lo AS min, r.hi AS max
        FROM samples_1h r JOIN signals g USING (signal_id)""",
    """CREATE VIEW v_states AS
        SELECT s.machine, c.name AS state, s.state AS state_code, c.category,
               c.planned_busy, s.start, s."end",
               extract(epoch FROM coalesce(s."end", now()) - s.start)::float8 AS duration_s,
               s.reason, s.order_id, s.product
        FROM states s JOIN state_codes c ON c.code = s.state""",
    f"""CREATE VIEW v_state_hours AS
        SELECT s.machine, h.hour, s.state AS state_code, s.product,
               extract(epoch FROM least(coalesce(s."end", now()), h.hour + interval '1 hour')
                   - greatest(s.start, h.hour))::float8 AS seconds
        FROM states s
        CROSS JOIN LATERAL generate_series(
            date_bin(interval '1 hour', s.start, {_EPOCH}),
            coalesce(s."end", now()) - interval '1 microsecond',
            interval '1 hour') AS h(hour)
        WHERE coalesce(s."end", now()) > s.start""",
    f"""CREATE VIEW v_counts_hourly AS
        SELECT machine, date_bin(interval '1 hour', ts, {_EPOCH}) AS hour,
               sum(good)::bigint AS good, sum(scrap)::bigint AS scrap,
               sum(good + scrap)::bigint AS total
        FROM counts GROUP BY 1, 2""",
    f"""CREATE VIEW v_counts_valued AS
        SELECT c.machine, c.ts, date_bin(interval '1 hour', c.ts, {_EPOCH}) AS hour,
               c.good, c.scrap, p.product,
               coalesce(ip.ideal_cycle_s, im.ideal_cycle_s) AS ideal_cycle_s
        FROM counts c
        LEFT JOIN LATERAL (
            SELECT s.product FROM states s
            WHERE s.machine = c.machine AND s.start < c.ts
            ORDER BY s.start DESC LIMIT 1) p ON TRUE
        LEFT JOIN ideal_cycles ip ON ip.machine = c.machine AND ip.product = p.product
        LEFT JOIN ideal_cycles im ON im.machine = c.machine AND im.product = ''""",
    """CREATE VIEW v_oee_hourly AS
        WITH t AS (
            SELECT h.machine, h.hour,
                   coalesce(sum(h.seconds) FILTER (WHERE c.planned_busy), 0) AS pbt_s,
                   coalesce(sum(h.seconds) FILTER (WHERE h.state_code = 1), 0) AS apt_s,
                   coalesce(sum(h.seconds) FILTER (WHERE h.state_code = 7), 0) AS down_s,
                   coalesce(sum(h.seconds) FILTER (WHERE h.state_code = 5), 0) AS setup_s,
                   coalesce(sum(h.seconds) FILTER (WHERE h.state_code = 6), 0) AS planned_stop_s
            FROM v_state_hours h JOIN state_codes c ON c.code = h.state_code
            GROUP BY 1, 2),
        q AS (
            SELECT machine, hour, sum(good)::bigint AS good, sum(scrap)::bigint AS scrap,
                   sum((good + scrap) * ideal_cycle_s) AS ideal_s
            FROM v_counts_valued GROUP BY 1, 2)
        SELECT t.machine, t.hour, t.pbt_s, t.apt_s, t.down_s, t.setup_s, t.planned_stop_s,
               coalesce(q.good, 0) AS good, coalesce(q.scrap, 0) AS scrap,
               coalesce(q.ideal_s, 0) AS ideal_s,
               a.availability, e.performance, f.quality,
               a.availability * e.performance * f.quality AS oee
        FROM t LEFT JOIN q ON q.machine = t.machine AND q.hour = t.hour
        CROSS JOIN LATERAL (SELECT t.apt_s / nullif(t.pbt_s, 0) AS availability) a
        CROSS JOIN LATERAL (
            SELECT coalesce(q.ideal_s, 0) / nullif(t.apt_s, 0) AS performance) e
        CROSS JOIN LATERAL (
            SELECT coalesce(q.good, 0)::float8
                / nullif(coalesce(q.good, 0) + coalesce(q.scrap, 0), 0) AS quality) f""",
    """CREATE VIEW v_work_orders AS
        SELECT id, machine, kind, title, status, priority, created, updated, due,
               scheduled_start, scheduled_end, started, closed, assignee, time_spent_h,
               failure_mode, decision_id, created_by
        FROM work_orders""",
    """CREATE VIEW v_decisions AS
        SELECT id, ts, kind, scope, machine, status, autonomy, explanation_en, explanation_ko,
               decided_by, decided_at
        FROM decisions""",
)

VIEWS = (
    "v_decisions",
    "v_work_orders",
    "v_oee_hourly",
    "v_counts_valued",
    "v_counts_hourly",
    "v_state_hours",
    "v_states",
    "v_signal_1h",
    "v_signal_1m",
    "v_signals",
)


def upgrade() -> None:
    """Create the reference tables and the views."""
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    """Drop the views and the reference tables."""
    op.execute("DROP VIEW " + ", ".join(VIEWS))
    op.execute("DROP TABLE ideal_cycles, machines, state_codes")
