"""A poller process for the crash test: ``python wal_child.py STORE WORKDIR``.

It polls an in-memory peer whose two tags change every cycle into a DuckDB store file that
lags (it takes every third write, then none after the 60th), with the write-ahead log on.
Each row is written to stdout as ``tag ts_us`` once the log reports it durable (``on_logged``),
so the parent knows exactly which samples were acknowledged before it kills this process.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

from smartfactory.connectors import Backoff, Poller, PollerConfig
from smartfactory.connectors.memory import MemoryConfig, MemoryConnector
from smartfactory.errors import StoreError
from smartfactory.store import DuckDBStore, SignalKey

KEYS = {"a": SignalKey("m1", "a"), "b": SignalKey("m1", "b")}


class LaggingStore:
    """Takes every third sample write up to the 60th, then fails every one."""

    def __init__(self, inner: DuckDBStore) -> None:
        self.inner = inner
        self.calls = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def write_samples(self, batch: pa.Table) -> int:
        self.calls += 1
        if self.calls > 60 or self.calls % 3:
            raise StoreError("lagging")
        return self.inner.write_samples(batch)


def report(table: pa.Table) -> None:
    tags = table.column("tag").to_pylist()
    ts = table.column("ts").cast(pa.int64()).to_pylist()
    sys.stdout.write("".join(f"{t} {u}\n" for t, u in zip(tags, ts, strict=True)))
    sys.stdout.flush()


async def main(store_path: Path, work: Path) -> None:
    store = DuckDBStore(store_path)
    conn = MemoryConnector(MemoryConfig(tags={"a": 0.0, "b": 0.0}))
    config = PollerConfig(interval_s=0.002, backoff=Backoff(initial_s=0.01, max_s=0.05))
    poller = Poller(
        conn, KEYS, LaggingStore(store), spill_dir=work / "spill",  # type: ignore[arg-type]
        rng=np.random.default_rng(1), config=config, on_logged=report,
    )  # fmt: skip
    task = asyncio.create_task(poller.run())
    i = 0
    while not task.done():  # runs until killed
        i += 1
        conn.set("a", float(i))
        conn.set("b", float(-i))
        await asyncio.sleep(0.001)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
