"""A poller feeding PostgreSQL in a process of its own, for the crash tests.

Run as ``python crash_ingest.py DSN SCHEMA WAL_DIR ACK_FILE FIRST LAG_S``. A counting
connector returns ``TAGS`` samples per read, read ``i`` stamped ``T0 + i ms`` with value ``i``
(``i`` starts at FIRST); every row the poller reports durable (``on_logged``, after the
write-ahead log's fsync) is appended to ACK_FILE as ``tag ts_us``. The store is wrapped so
each sample write waits LAG_S first, which leaves rows logged but not yet committed when the
process or the database is killed. SIGTERM stops the poller cleanly (it delivers and
truncates the log).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
from pydantic import BaseModel

from smartfactory.connectors.base import Capability, ConnectorInfo, Sample, TagInfo
from smartfactory.connectors.poller import Poller, PollerConfig
from smartfactory.store import PostgresStore, SignalKey

T0 = datetime(2024, 6, 1, tzinfo=UTC)
TAGS = [f"m/t{i}" for i in range(20)]


class _Config(BaseModel):
    pass


class Counting:
    """A peer whose i-th read returns every tag at T0 + i ms with value i."""

    info: ClassVar[ConnectorInfo] = ConnectorInfo(
        kind="counting", title="Counting", config_model=_Config,
        capabilities=frozenset({Capability.READ}),
    )  # fmt: skip

    def __init__(self, first: int) -> None:
        self.i = first

    async def connect(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def browse(self) -> list[TagInfo]:
        return []

    async def read(self, tags: Sequence[str]) -> list[Sample]:
        ts = T0 + timedelta(milliseconds=self.i)
        out = [Sample(tag, ts, float(self.i)) for tag in tags]
        self.i += 1
        return out


class Lagging:
    """The store, with every sample write delayed."""

    def __init__(self, store: PostgresStore, lag_s: float) -> None:
        self.store = store
        self.lag_s = lag_s

    def write_samples(self, batch: pa.Table) -> int:
        import time

        time.sleep(self.lag_s)
        return self.store.write_samples(batch)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


async def main(argv: list[str]) -> None:
    dsn, schema, wal_dir, ack_file, first, lag_s = argv
    store = PostgresStore(dsn, schema=schema, statement_timeout_s=5, connect_timeout_s=2)
    acks = Path(ack_file).open("a", encoding="utf-8")  # noqa: SIM115 - closed in finally

    def on_logged(table: pa.Table) -> None:
        ts = table.column("ts").cast(pa.int64()).to_pylist()
        tags = table.column("tag").to_pylist()
        acks.write("".join(f"{t} {u}\n" for t, u in zip(tags, ts, strict=True)))
        acks.flush()

    poller = Poller(
        Counting(int(first)),
        {t: SignalKey("m", t.split("/")[1]) for t in TAGS},
        Lagging(store, float(lag_s)),  # type: ignore[arg-type]
        spill_dir=Path(wal_dir) / "spill",
        wal_dir=Path(wal_dir) / "wal",
        rng=np.random.default_rng(0),
        config=PollerConfig(interval_s=0.02, timeout_s=2.0),
        on_logged=on_logged,
    )
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, poller.stop)
    print("ready", flush=True)
    try:
        await poller.run()
    finally:
        acks.close()
        store.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
