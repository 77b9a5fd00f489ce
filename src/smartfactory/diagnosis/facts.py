"""What the platform's own data says about a plant: the facts behind the evidence.

:func:`gather_facts` reads the store once (time series of the last ``window``, orders, work
orders, decisions, models, tokens) into a plain :class:`Facts`; :mod:`.evidence` turns facts
into suggested answers. Keeping the two apart lets the scoring rules be tested on facts alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from smartfactory.domain.assets import Plant
from smartfactory.domain.states import MachineState
from smartfactory.store.base import Store

__all__ = ["Facts", "data_as_of", "gather_facts"]

DERIVED_HEALTH = "health"
"""Name of the derived health-index signal the live maintenance service writes per machine."""


@dataclass(frozen=True, slots=True)
class Facts:
    """Measured facts about one plant at ``now`` over the last ``window``."""

    now: datetime
    window: timedelta
    machines: int
    machines_with_samples: int
    machines_with_states: int
    machines_with_counts: int
    machines_with_health: int
    unplanned_stop_s: float
    unplanned_stop_with_reason_s: float
    history_days: float
    orders: int
    orders_in_progress: int
    orders_finished_with_due: int
    orders_on_time: int
    work_orders: int
    work_orders_closed: int
    work_orders_with_failure_mode: int
    decisions: int
    decisions_applied: int
    decisions_autonomous: int
    promoted_models: tuple[str, ...]
    production_plans: int
    server_database: bool
    api_tokens: int


def _scalar(store: Store, statement: str, params: list[object] | None = None) -> int:
    rows = store.query(statement, params or [])
    return int(rows[0][0] or 0) if rows else 0


def gather_facts(
    store: Store, plant: Plant, now: datetime | None = None, window: timedelta = timedelta(days=7)
) -> Facts:
    """Read the facts of the last ``window`` before ``now`` (default: the current time)."""
    end = (now or datetime.now(UTC)).astimezone(UTC)
    start = end - window
    machine_ids = {m.id for m in plant.machines()}

    signals = store.signals()
    ids: list[int] = [int(i) for i in signals.column("signal_id").to_pylist() if i is not None]
    owners = [str(m) for m in signals.column("machine").to_pylist()]
    names = [str(n) for n in signals.column("name").to_pylist()]
    sig_machine = dict(zip(ids, owners, strict=True))
    health_ids = {i for i, n in zip(ids, names, strict=True) if n == DERIVED_HEALTH}
    latest = store.latest_samples(ids)
    stamps = latest.column("ts").to_numpy(zero_copy_only=False)
    recent = stamps >= np.datetime64(start.replace(tzinfo=None), "us")
    latest_ids = latest.column("signal_id").to_numpy(zero_copy_only=False)
    recent_ids = [int(i) for i in latest_ids[recent]]
    with_samples = {sig_machine[s] for s in recent_ids if s not in health_ids}
    with_health = {sig_machine[s] for s in recent_ids if s in health_ids}

    states = store.query_states(start, end)
    counts = store.query_counts(start, end)
    stop_s, stop_reason_s = _unplanned_stops(states, start, end)
    first = store.query_states(end - timedelta(days=3650), end)
    history_days = 0.0
    if first.num_rows:
        oldest = first.column("start").to_numpy(zero_copy_only=False).min()
        age = np.datetime64(end.replace(tzinfo=None), "us") - oldest
        history_days = float(age / np.timedelta64(1, "s")) / 86400.0

    finished = store.query(
        "SELECT count(*), sum(CASE WHEN finished <= due THEN 1 ELSE 0 END) FROM orders"
        " WHERE finished IS NOT NULL AND due IS NOT NULL AND finished >= ? AND finished < ?",
        [start, end],
    )
    promoted = store.query("SELECT DISTINCT kind FROM model_versions WHERE status = 'promoted'")
    return Facts(
        now=end,
        window=window,
        machines=len(machine_ids),
        machines_with_samples=len(with_samples & machine_ids),
        machines_with_states=len(set(states.column("machine").to_pylist()) & machine_ids),
        machines_with_counts=len(set(counts.column("machine").to_pylist()) & machine_ids),
        machines_with_health=len(with_health & machine_ids),
        unplanned_stop_s=stop_s,
        unplanned_stop_with_reason_s=stop_reason_s,
        history_days=history_days,
        orders=_scalar(store, "SELECT count(*) FROM orders"),
        orders_in_progress=_scalar(
            store, "SELECT count(*) FROM orders WHERE good > 0 OR status IN ('in_progress', 'done')"
        ),
        orders_finished_with_due=int(finished[0][0] or 0) if finished else 0,
        orders_on_time=int(finished[0][1] or 0) if finished else 0,
        work_orders=_scalar(store, "SELECT count(*) FROM work_orders"),
        work_orders_closed=_scalar(store, "SELECT count(*) FROM work_orders WHERE status = 'done'"),
        work_orders_with_failure_mode=_scalar(
            store,
            "SELECT count(*) FROM work_orders WHERE status = 'done' AND failure_mode IS NOT NULL",
        ),
        decisions=_scalar(store, "SELECT count(*) FROM decisions"),
        decisions_applied=_scalar(
            store, "SELECT count(*) FROM decisions WHERE status IN ('applied', 'approved')"
        ),
        decisions_autonomous=_scalar(
            store,
            "SELECT count(*) FROM decisions WHERE status = 'applied' AND autonomy = 'autonomous'",
        ),
        promoted_models=tuple(sorted(str(r[0]) for r in promoted)),
        production_plans=_scalar(
            store, "SELECT count(*) FROM plans WHERE kind IN ('production', 'schedule')"
        ),
        server_database=type(store).__name__ == "PostgresStore",
        api_tokens=_scalar(store, "SELECT count(*) FROM api_tokens WHERE NOT revoked"),
    )


def _unplanned_stops(table: pa.Table, start: datetime, end: datetime) -> tuple[float, float]:
    """Seconds of unplanned stop in [start, end), and of those with a reason."""
    if table.num_rows == 0:
        return 0.0, 0.0
    code = table.column("state").to_numpy(zero_copy_only=False)
    down = code == int(MachineState.UNPLANNED_STOP)
    if not down.any():
        return 0.0, 0.0
    lo = np.datetime64(start.replace(tzinfo=None), "us")
    hi = np.datetime64(end.replace(tzinfo=None), "us")
    begin = table.column("start").to_numpy(zero_copy_only=False)
    finish_arr = table.column("end").to_numpy(zero_copy_only=False)
    finish = np.where(np.isnat(finish_arr), hi, finish_arr)
    seconds = (np.minimum(finish, hi) - np.maximum(begin, lo)).astype("timedelta64[us]")
    duration = np.clip(seconds.astype(np.float64) / 1e6, 0.0, None)
    reasons = np.array(
        [bool(r) for r in table.column("reason").to_pylist()], dtype=bool
    )  # one entry per state interval, not per sample
    return float(duration[down].sum()), float(duration[down & reasons].sum())


def data_as_of(store: Store) -> datetime | None:
    """The newest time the store has production data for (state starts and counts)."""
    rows = store.query(
        "SELECT max(t) FROM (SELECT max(start) AS t FROM states"
        " UNION ALL SELECT max(ts) AS t FROM counts) AS newest"
    )
    if not rows or rows[0][0] is None:
        return None
    newest: datetime = rows[0][0]
    return newest.astimezone(UTC)
