"""The poller's columnar path: rows from ``receive_batch`` logged and stored with the samples."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa
from pydantic import BaseModel

from smartfactory.connectors import Backoff, Poller, PollerConfig, Quarantine
from smartfactory.connectors.base import (
    Capability,
    ConnectorInfo,
    Sample,
    SampleBatch,
    TagInfo,
)
from smartfactory.connectors.buffer import BUFFER_SCHEMA
from smartfactory.connectors.quarantine import Reason
from smartfactory.store import DuckDBStore, SignalKey

TS = datetime(2024, 1, 1, tzinfo=UTC)
FAST = PollerConfig(interval_s=0.01, timeout_s=1.0, backoff=Backoff(initial_s=0.01, max_s=0.05))


class _Config(BaseModel):
    pass


class _BatchConnector:
    """Hands prepared batches through ``receive_batch``; ``receive`` counts its calls."""

    info: ClassVar[ConnectorInfo] = ConnectorInfo(
        kind="batchfake",
        title="batch fake",
        config_model=_Config,
        capabilities=frozenset({Capability.READ, Capability.SUBSCRIBE}),
    )

    def __init__(self, batches: list[SampleBatch]) -> None:
        self.batches = deque(batches)
        self.plain_calls = 0

    async def connect(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def read(self, tags: Sequence[str]) -> list[Sample]:
        return []

    async def browse(self) -> list[TagInfo]:
        return []

    async def receive_batch(self, max_wait_s: float) -> SampleBatch:
        if self.batches:
            return self.batches.popleft()
        await asyncio.sleep(max_wait_s)
        return SampleBatch(BUFFER_SCHEMA.empty_table(), [])

    async def receive(self, max_wait_s: float) -> list[Sample]:
        self.plain_calls += 1
        batch = await self.receive_batch(max_wait_s)
        cols = batch.rows.to_pydict()
        rows = zip(cols["tag"], cols["ts"], cols["value"], strict=True)
        return [Sample(t, ts, v) for t, ts, v in rows] + batch.samples


def _batch() -> SampleBatch:
    us = int(TS.timestamp() * 1e6)
    rows = pa.table(
        [
            pa.array(["m/a", "m/a", "m/zz"]),
            pa.array([us, us + 1, us], pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            pa.array([1.0, 2.0, 3.0]),
        ],
        schema=BUFFER_SCHEMA,
    )
    return SampleBatch(rows, [Sample("m/b", TS, True), Sample("m/t", TS, "text")])


def _poller(conn: _BatchConnector, store: DuckDBStore, tmp_path: Path) -> Poller:
    keys = {t: SignalKey("m", t[2:]) for t in ("m/a", "m/b", "m/t")}
    return Poller(conn, keys, store, spill_dir=tmp_path / "spill", rng=np.random.default_rng(1),
                  config=FAST, quarantine=Quarantine())  # fmt: skip


def test_rows_and_samples_are_logged_once_and_stored(store: DuckDBStore, tmp_path: Path) -> None:
    conn = _BatchConnector([_batch()])
    poller = _poller(conn, store, tmp_path)
    logged: list[int] = []
    poller.on_logged = lambda table: logged.append(table.num_rows)
    asyncio.run(poller.run(cycles=1))
    s = poller.stats
    assert (s.samples, s.good_samples, s.unknown_samples, s.unstorable_samples) == (5, 3, 1, 1)
    assert (s.stored_rows, s.logged_rows, logged) == (3, 3, [3])  # one log record per cycle
    assert conn.plain_calls == 0
    assert poller.quarantine is not None
    assert poller.quarantine.counts() == {Reason.UNKNOWN_SIGNAL: 1, Reason.UNSTORABLE: 1}
    (entry,) = poller.quarantine.entries(reason=Reason.UNKNOWN_SIGNAL)
    assert entry.detail == "m/zz"


def test_a_wrapped_receive_is_used_so_the_wrapper_sees_every_sample(
    store: DuckDBStore, tmp_path: Path
) -> None:
    conn = _BatchConnector([_batch()])
    seen: list[Sample] = []
    inner = conn.receive

    async def tapped(max_wait_s: float) -> list[Sample]:
        got = await inner(max_wait_s)
        seen.extend(got)
        return got

    conn.receive = tapped  # type: ignore[method-assign]
    poller = _poller(conn, store, tmp_path)
    asyncio.run(poller.run(cycles=1))
    assert len(seen) == 5
    assert poller.stats.stored_rows == 3
