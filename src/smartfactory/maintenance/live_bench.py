"""Throughput of :class:`~.live.LiveMaintenance`: machines x signals at 1 Hz, one core.

``python -m smartfactory.maintenance.live_bench [machines] [seconds] [signals]`` writes
``seconds`` of 1 Hz samples of ``machines`` machines (all producing) to an in-memory store,
then times polls that each take one more second of data, and prints one JSON line:
``{"machines", "signals", "rows", "poll_ms_mean", "poll_ms_p95", "per_row_ms", "core_share"}``
(``core_share``: the fraction of one core that scoring the plant at 1 Hz needs).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from smartfactory.domain.states import MachineState
from smartfactory.maintenance.live import LiveMaintenance
from smartfactory.store import SAMPLE_SCHEMA, STATE_SCHEMA, SignalKey, open_store
from smartfactory.store.base import Store

__all__ = ["bench_live"]

_T0 = datetime(2026, 1, 5, 6, tzinfo=UTC)


def _write(
    store: Store, ids: np.ndarray, start_s: int, seconds: int, rng: np.random.Generator
) -> None:
    machines, signals = ids.shape
    ts = (np.arange(start_s, start_s + seconds) * 1_000_000 + int(_T0.timestamp() * 1e6)).astype(
        np.int64
    )
    values = rng.normal(size=(machines, signals, seconds)) + 10.0
    store.write_samples(
        pa.Table.from_arrays(
            [
                pa.array(np.repeat(ids.reshape(-1), seconds).astype(np.int32)),
                pa.array(np.tile(ts, machines * signals)).cast(SAMPLE_SCHEMA.field("ts").type),
                pa.array(values.reshape(-1)),
            ],
            schema=SAMPLE_SCHEMA,
        )
    )


def bench_live(machines: int = 100, seconds: int = 60, signals: int = 4) -> dict[str, float]:
    """Time 1-second polls of a plant of ``machines`` (see the module docstring)."""
    store = open_store(":memory:")
    rng = np.random.default_rng(0)
    try:
        keys = [SignalKey(f"m{k:03d}", f"s{j}") for k in range(machines) for j in range(signals)]
        got = store.register_signals(keys)
        ids = np.array([got[(k.machine, k.name)] for k in keys]).reshape(machines, signals)
        store.write_states(
            pa.Table.from_pylist(
                [
                    {
                        "machine": f"m{k:03d}",
                        "start": _T0,
                        "end": None,
                        "state": int(MachineState.PRODUCING),
                        "reason": "",
                        "order_id": "",
                        "product": "",
                    }
                    for k in range(machines)
                ],
                schema=STATE_SCHEMA,
            )
        )
        _write(store, ids, 0, 120, rng)  # warm-up history
        live = LiveMaintenance(store, backfill=timedelta(minutes=2))
        live.poll()
        times = []
        for s in range(seconds):
            _write(store, ids, 120 + s, 1, rng)
            t0 = time.perf_counter()
            live.poll()
            times.append(time.perf_counter() - t0)
        arr = np.asarray(times) * 1000.0
        return {
            "machines": machines,
            "signals": signals,
            "rows": machines * seconds,
            "poll_ms_mean": round(float(arr.mean()), 2),
            "poll_ms_p95": round(float(np.percentile(arr, 95)), 2),
            "per_row_ms": round(float(arr.mean()) / machines, 4),
            "core_share": round(float(arr.mean()) / 1000.0, 3),
        }
    finally:
        store.close()


if __name__ == "__main__":  # pragma: no cover - command line
    args = [int(a) for a in sys.argv[1:4]]
    print(json.dumps(bench_live(*args)))
