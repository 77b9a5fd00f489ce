from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from smartfactory.connectors import Backoff, ConnectionState, Poller, PollerConfig, Quarantine
from smartfactory.connectors.memory import MemoryConfig, MemoryConnector
from smartfactory.connectors.quarantine import Reason
from smartfactory.errors import StoreError
from smartfactory.store import DuckDBStore, SignalKey

FAST = PollerConfig(
    interval_s=0.01, timeout_s=1.0, backoff=Backoff(initial_s=0.01, max_s=0.05, jitter=0.5)
)


class TickClock:
    """A clock that advances 1 ms per call, so every read has a distinct timestamp."""

    def __init__(self, day: int = 1) -> None:
        self.now = datetime(2024, 1, day, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


class FlakyStore:
    """A real DuckDB store whose sample writes fail while ``down`` is set."""

    def __init__(self, inner: DuckDBStore) -> None:
        self.inner = inner
        self.down = False

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def write_samples(self, batch: pa.Table) -> int:
        if self.down:
            raise StoreError("store is down")
        return self.inner.write_samples(batch)


def _memory(day: int = 1, **tags: float) -> MemoryConnector:
    return MemoryConnector(MemoryConfig(tags=dict(tags)), clock=TickClock(day))


def _all_samples(store: DuckDBStore) -> pa.Table:
    ids = store.signals().column("signal_id").to_pylist()
    start = datetime(2000, 1, 1, tzinfo=UTC)
    return store.query_samples(ids, start, start + timedelta(days=365 * 100))


KEYS = {"t": SignalKey("m1", "temp"), "p": SignalKey("m1", "pressure")}


def test_polls_into_store_and_goes_online(store: DuckDBStore, tmp_path: Path, rng) -> None:
    conn = _memory(t=20.5, p=1.0)
    poller = Poller(conn, KEYS, store, spill_dir=tmp_path / "spill", rng=rng, config=FAST)
    asyncio.run(poller.run(cycles=5))
    assert poller.stats.cycles == 5
    assert _all_samples(store).num_rows == 10
    assert [t.new for t in poller.transitions] == [
        ConnectionState.CONNECTING,
        ConnectionState.ONLINE,
    ]
    assert not conn.connected  # closed at the end


def test_bad_tag_degrades_without_exception(store, tmp_path, rng, caplog) -> None:
    conn = _memory(t=1.0)
    poller = Poller(conn, KEYS, store, spill_dir=tmp_path, rng=rng, config=FAST)
    with caplog.at_level(logging.INFO, logger="smartfactory.connectors.poller"):
        asyncio.run(poller.run(cycles=4))
    assert poller.state is ConnectionState.DEGRADED
    assert poller.stats.bad_samples == 4
    assert _all_samples(store).num_rows == 4
    degraded = [r for r in caplog.records if "-> degraded" in r.getMessage()]
    assert len(degraded) == 1  # logged once per transition, not once per poll
    assert "unknown tag 'p'" in degraded[0].getMessage()


def test_peer_outage_backs_off_and_recovers(store, tmp_path, rng) -> None:
    conn = _memory(t=1.0, p=2.0)
    poller = Poller(conn, KEYS, store, spill_dir=tmp_path, rng=rng, config=FAST)

    async def scenario() -> None:
        task = asyncio.create_task(poller.run())
        await asyncio.sleep(0.05)
        conn.go_offline()
        await asyncio.sleep(0.1)
        assert poller.state is ConnectionState.OFFLINE
        conn.go_online()
        await asyncio.sleep(0.1)
        poller.stop()
        await asyncio.wait_for(task, 2)

    asyncio.run(scenario())
    states = [t.new for t in poller.transitions]
    assert states == [
        ConnectionState.CONNECTING,
        ConnectionState.ONLINE,
        ConnectionState.OFFLINE,
        ConnectionState.ONLINE,
    ]
    assert poller.stats.connect_failures + poller.stats.read_failures >= 2
    assert conn.connects >= 2


def test_store_failure_keeps_and_resends_everything(store, tmp_path, rng) -> None:
    flaky = FlakyStore(store)
    conn = _memory(t=1.0, p=2.0)
    config = FAST.model_copy(update={"max_buffer_rows": 8})
    poller = Poller(conn, KEYS, flaky, spill_dir=tmp_path / "s", rng=rng, config=config)  # type: ignore[arg-type]

    async def scenario() -> None:
        flaky.down = True
        await poller.run(cycles=20)  # 40 samples, memory holds 8: the rest spills to disk
        assert poller.state is ConnectionState.DEGRADED
        assert poller.buffer.stats.spilled_files > 0
        assert _all_samples(store).num_rows == 0
        flaky.down = False
        await poller.run(cycles=5)

    asyncio.run(scenario())
    assert _all_samples(store).num_rows == 50
    assert poller.stats.good_samples == 50
    assert poller.stats.store_failures >= 20
    assert not poller.buffer.pending()
    assert poller.state is ConnectionState.ONLINE


@pytest.mark.parametrize("wal", [False, True])
def test_spilled_rows_survive_a_restart(store, tmp_path, rng, wal: bool) -> None:
    flaky = FlakyStore(store)
    flaky.down = True
    config = FAST.model_copy(update={"max_buffer_rows": 4, "wal": wal})
    first = Poller(_memory(t=1.0, p=2.0), KEYS, flaky, spill_dir=tmp_path, rng=rng, config=config)  # type: ignore[arg-type]
    asyncio.run(first.run(cycles=10))
    on_disk = first.buffer.spilled_rows()
    assert on_disk >= 16  # everything beyond the memory bound
    # the process "dies": its memory rows are gone, the spill files are not
    second = Poller(
        _memory(day=2, t=1.0, p=2.0), KEYS, store, spill_dir=tmp_path, rng=rng, config=FAST
    )
    asyncio.run(second.run(cycles=1))
    # without the log only the spilled rows survive; with it, every logged row does
    survivors = first.stats.logged_rows if wal else on_disk
    assert first.stats.logged_rows == 20
    assert _all_samples(store).num_rows == survivors + 2
    assert not list((tmp_path / "wal").glob("*.wal"))  # all committed: segments removed


def test_unknown_and_text_samples_are_quarantined(store, tmp_path, rng) -> None:
    conn = _memory(t=1.0)
    conn.set("p", "overheated")
    quarantine = Quarantine()
    poller = Poller(
        conn, KEYS, store, spill_dir=tmp_path, rng=rng, config=FAST, quarantine=quarantine
    )
    asyncio.run(poller.run(cycles=2))
    assert quarantine.counts() == {Reason.UNSTORABLE: 2}
    assert poller.stats.unstorable_samples == 2


def test_backoff_grows_with_bounded_jitter() -> None:
    backoff = Backoff(initial_s=1, max_s=10, factor=2, jitter=0.25)
    rng = np.random.default_rng(1)
    delays = [backoff.delay(n, rng) for n in range(1, 8)]
    bases = [1, 2, 4, 8, 10, 10, 10]
    for d, b in zip(delays, bases, strict=True):
        assert 0.75 * b <= d <= b
    again = [backoff.delay(n, np.random.default_rng(1)) for n in range(1, 2)]
    assert again == delays[:1]  # the injected generator decides the jitter


def test_poller_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        PollerConfig(interval_s=0)
