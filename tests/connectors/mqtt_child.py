"""An MQTT ingest process for the kill tests: ``python mqtt_child.py STORE WORK PATH CLIENT PORT``.

It runs a poller over an :class:`MqttConnector` (fixed client id, so the broker keeps the
session; acknowledge after the write-ahead log) into the store at STORE (a DuckDB file or a
``postgresql://`` URL), with its spill folder and log in WORK. It prints ``online`` once the
subscription is up, and ``stored N`` (the rows of the store) every 0.2 s, until killed.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from smartfactory.connectors import Backoff, ConnectionState, Poller, PollerConfig
from smartfactory.connectors.mqtt import MqttConfig, MqttConnector
from smartfactory.store import SignalKey, open_store


def derive(tag: str) -> SignalKey | None:
    machine, _, signal = tag.partition("/")
    return SignalKey(machine, signal)


async def main(location: str, work: Path, path: str, client_id: str, port: int) -> None:
    store = open_store(location)
    config = MqttConfig(path=path, port=port, client_id=client_id, timeout_s=2)
    poller = Poller(
        MqttConnector(config), {}, store, spill_dir=work / "spill", derive_key=derive,
        rng=np.random.default_rng(1),
        config=PollerConfig(interval_s=0.02, timeout_s=2,
                            backoff=Backoff(initial_s=0.05, max_s=0.3)),
    )  # fmt: skip
    task = asyncio.create_task(poller.run())
    said = False
    start, end = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    while not task.done():  # runs until killed
        if not said and poller.state is ConnectionState.ONLINE:
            print("online", flush=True)
            said = True
        ids = store.signals().column("signal_id").to_pylist()
        rows = store.query_samples(ids, start, end).num_rows if ids else 0
        print(f"stored {rows}", flush=True)
        await asyncio.sleep(0.2)
    await task


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])))
