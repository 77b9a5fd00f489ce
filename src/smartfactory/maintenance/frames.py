"""A machine's measured signals as a (time x signal) matrix, read from the store.

Models see what a real plant sees: the samples its connectors (or the simulator) wrote, and
the machine state intervals. Derived series that ``maintenance`` writes itself (kind
``derived``: health, anomaly score, RUL) are never inputs. Samples are pivoted on their time
stamp; only instants where every signal of the machine has a value become rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from smartfactory.domain.states import MachineState
from smartfactory.maintenance.base import FloatArray
from smartfactory.store.base import Store

__all__ = [
    "DERIVED_KIND",
    "Intervals",
    "MachineFrame",
    "codes_at",
    "input_signals",
    "pivot",
    "read_frame",
    "reason_intervals",
    "state_intervals",
    "states_at",
    "to_us",
]

DERIVED_KIND = "derived"
IntArray = npt.NDArray[np.int64]
_LABELS = tuple(s.label for s in sorted(MachineState, key=int))


@dataclass(frozen=True, slots=True)
class MachineFrame:
    """Rows of one machine: time stamps (µs since epoch, UTC), signal values, state codes."""

    machine: str
    ts_us: IntArray
    names: tuple[str, ...]
    x: FloatArray
    state: npt.NDArray[np.int8]

    @property
    def state_labels(self) -> list[str]:
        """State of each row as its label (``producing``, ``idle`` ...)."""
        return [_LABELS[int(c)] for c in self.state]


def to_us(when: datetime) -> int:
    """Microseconds since the epoch of a timezone-aware instant."""
    return round(when.astimezone(UTC).timestamp() * 1e6)


def input_signals(store: Store, machine: str | None = None) -> dict[str, list[tuple[int, str]]]:
    """Per machine, its measured (not derived) signals as (signal id, name), sorted by name."""
    table = store.signals().to_pylist()
    out: dict[str, list[tuple[int, str]]] = {}
    for row in table:
        if row["kind"] == DERIVED_KIND or (machine is not None and row["machine"] != machine):
            continue
        out.setdefault(str(row["machine"]), []).append((int(row["signal_id"]), str(row["name"])))
    return {m: sorted(v, key=lambda p: p[1]) for m, v in out.items()}


def pivot(table: pa.Table, ids: Sequence[int]) -> tuple[IntArray, FloatArray]:
    """(time stamps, values) of the instants where every signal in ``ids`` has a sample."""
    if table.num_rows == 0 or not ids:
        return np.zeros(0, dtype=np.int64), np.zeros((0, len(ids)))
    sid = table.column("signal_id").to_numpy().astype(np.int64)
    ts = table.column("ts").cast(pa.int64()).to_numpy()
    val = table.column("value").to_numpy(zero_copy_only=False).astype(np.float64)
    wanted = np.asarray(ids, dtype=np.int64)
    order = np.argsort(wanted)
    pos = np.minimum(np.searchsorted(wanted[order], sid), wanted.shape[0] - 1)
    keep = wanted[order][pos] == sid
    sid_col = order[pos[keep]]
    times, row = np.unique(ts[keep], return_inverse=True)
    out = np.full((times.shape[0], len(ids)), np.nan)
    out[row, sid_col] = val[keep]
    full = np.all(np.isfinite(out), axis=1)
    return times[full].astype(np.int64), out[full]


Intervals = tuple[IntArray, IntArray, npt.NDArray[np.int8]]


def state_intervals(table: pa.Table) -> dict[str, Intervals]:
    """Per machine, (starts, ends, state codes) of a :meth:`Store.query_states` table."""
    if table.num_rows == 0:
        return {}
    never = int(np.iinfo(np.int64).max)
    machines = np.asarray(table.column("machine").to_pylist(), dtype=np.str_)
    start = table.column("start").cast(pa.int64()).to_numpy(zero_copy_only=False)
    ends = table.column("end").cast(pa.int64()).to_pylist()
    end = np.array([never if e is None else int(e) for e in ends], dtype=np.int64)
    state = table.column("state").to_numpy(zero_copy_only=False).astype(np.int8)
    out: dict[str, Intervals] = {}
    for machine in np.unique(machines):
        rows = machines == machine
        order = np.argsort(start[rows], kind="stable")
        out[str(machine)] = (
            start[rows][order].astype(np.int64),
            end[rows][order],
            state[rows][order],
        )
    return out


def reason_intervals(table: pa.Table, reasons: Sequence[str]) -> dict[str, Intervals]:
    """Per machine, (starts, ends, index into ``reasons``) of the intervals with those reasons.

    Open intervals (no end yet) are left out: they have not ended. Sorted by start.
    """
    if table.num_rows == 0 or not reasons:
        return {}
    mask = pc.and_(
        pc.is_in(table.column("reason"), value_set=pa.array(list(reasons), type=pa.string())),
        pc.is_valid(table.column("end")),
    )
    found = table.filter(mask).select(["machine", "start", "end", "reason"]).to_pylist()
    out: dict[str, Intervals] = {}
    for machine in sorted({str(r["machine"]) for r in found}):
        rows = sorted((r for r in found if r["machine"] == machine), key=lambda r: r["start"])
        out[machine] = (
            np.array([to_us(r["start"]) for r in rows], dtype=np.int64),
            np.array([to_us(r["end"]) for r in rows], dtype=np.int64),
            np.array([reasons.index(r["reason"]) for r in rows], dtype=np.int8),
        )
    return out


def codes_at(intervals: Intervals | None, ts_us: IntArray) -> npt.NDArray[np.int8]:
    """The state code at each time stamp (UNKNOWN where no interval covers it)."""
    codes = np.zeros(ts_us.shape[0], dtype=np.int8)
    if intervals is None or ts_us.shape[0] == 0:
        return codes
    start, end, state = intervals
    i = np.searchsorted(start, ts_us, side="right") - 1
    ok = (i >= 0) & (ts_us < end[np.maximum(i, 0)])
    codes[ok] = state[i[ok]]
    return codes


def states_at(store: Store, machine: str, ts_us: IntArray) -> npt.NDArray[np.int8]:
    """The machine's state code at each time stamp (UNKNOWN where no interval covers it)."""
    if ts_us.shape[0] == 0:
        return np.zeros(0, dtype=np.int8)
    lo = datetime.fromtimestamp(int(ts_us[0]) / 1e6, tz=UTC)
    hi = datetime.fromtimestamp(int(ts_us[-1]) / 1e6 + 1e-3, tz=UTC)
    table = store.query_states(lo, hi, [machine])
    return codes_at(state_intervals(table).get(machine), ts_us)


def read_frame(
    store: Store,
    machine: str,
    start: datetime,
    end: datetime,
    signals: Sequence[tuple[int, str]] | None = None,
) -> MachineFrame:
    """The machine's complete rows with ``start <= ts < end`` and its state at each."""
    sigs = list(signals) if signals is not None else input_signals(store, machine).get(machine, [])
    ids = [s for s, _ in sigs]
    ts, x = pivot(store.query_samples(ids, start, end), ids) if ids else pivot(pa.table({}), [])
    return MachineFrame(machine, ts, tuple(n for _, n in sigs), x, states_at(store, machine, ts))
