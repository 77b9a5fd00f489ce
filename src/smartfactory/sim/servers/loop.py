"""The whole loop of a demo over a protocol: simulator -> server -> our connector -> store.

:class:`ProtocolLoop` starts the protocol server of a running simulation
(:class:`~.base.ServerThread`), then our own connector(s) for it, built through the connector
registry from the address map's exported configs, under the poller in an
:class:`~smartfactory.ingest.IngestRunner` that feeds a
:class:`~smartfactory.ingest.LiveIngest` (the live picture) and the store. ``close()`` stops
the connectors first (they deliver what they hold), then the server.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from types import TracebackType

import numpy as np

from smartfactory.connectors.poller import PollerConfig
from smartfactory.connectors.registry import discover
from smartfactory.ingest import IngestRunner, LiveIngest
from smartfactory.sim.engine import FactorySimulation
from smartfactory.sim.servers.address_map import AddressMap, Protocol
from smartfactory.sim.servers.base import ServerThread
from smartfactory.sim.servers.factory import make_server
from smartfactory.sim.servers.values import PlantReader
from smartfactory.store.base import Store

__all__ = ["ProtocolLoop"]

_UPDATE_S = {Protocol.OPCUA: 0.5, Protocol.MODBUS: 0.5, Protocol.MQTT: 1.0}
_ANY = {"0.0.0.0", "::", ""}  # noqa: S104 - compared with, never bound


class ProtocolLoop:
    """A simulation served over ``protocol`` and read back into ``store`` (a context manager).

    ``host``/``port``: where the server binds (MQTT: the broker); ``port`` None is the
    protocol's usual one, 0 a free one. ``update_s``: seconds between value updates (default
    0.5; MQTT 1.0, as its subscriber takes about one message per poller cycle). ``spill_dir``
    is the pollers' folder (buffer and write-ahead log); ``fresh`` empties it first (a scratch
    demo must not replay old data).
    """

    def __init__(
        self,
        sim: FactorySimulation,
        store: Store,
        protocol: Protocol,
        *,
        spill_dir: Path,
        host: str = "127.0.0.1",
        port: int | None = 0,
        root: str | None = None,
        update_s: float | None = None,
        poll_s: float = 0.5,
        seed: int = 0,
        fresh: bool = True,
    ) -> None:
        self.sim = sim
        self.store = store
        self.protocol = protocol
        self.amap = AddressMap.from_plant(sim.plant)
        rng_values, rng_poll = np.random.default_rng(seed).spawn(2)
        self.server = ServerThread(
            make_server(protocol, self.amap, host, port, root=root),
            PlantReader(sim, rng_values).read,
            update_s=update_s if update_s is not None else _UPDATE_S[protocol],
        )
        self.ingest = LiveIngest(sim.plant, store)
        self.host = host
        self.root = root
        self.spill_dir = spill_dir
        self.fresh = fresh
        self.poll_s = poll_s
        self._rng = rng_poll
        self.runner: IngestRunner | None = None

    @property
    def endpoint(self) -> str:
        """The server's endpoint (after ``open()``)."""
        return self.server.server.endpoint

    def open(self) -> ProtocolLoop:
        """Start the server, then the connectors."""
        if self.fresh:
            shutil.rmtree(self.spill_dir, ignore_errors=True)
        self.server.start()
        try:
            client_host = "127.0.0.1" if self.host in _ANY else self.host
            registry = discover()
            configs = self.amap.connector_configs(
                self.protocol, client_host, self.server.server.port, root=self.root
            )
            keys = self.amap.keys(self.protocol)
            connectors = [(registry.create(kind, cfg), keys) for kind, cfg in configs]
            self.runner = IngestRunner(
                connectors,
                self.store,
                self.ingest,
                spill_dir=self.spill_dir,
                rng=self._rng,
                config=PollerConfig(interval_s=self.poll_s),
            )
            self.runner.start()
        except BaseException:
            self.server.stop()
            raise
        return self

    def wait_ready(self, timeout_s: float) -> bool:
        """Wait until every machine's state came through; False when it did not in time."""
        machines = {m.id for m in self.sim.plant.machines()}
        deadline = time.monotonic() + timeout_s
        while set(self.ingest.states_seen()) != machines:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def close(self) -> None:
        """Stop the connectors (delivering what they hold), then the server."""
        if self.runner is not None:
            self.runner.stop()
        self.server.stop()

    def __enter__(self) -> ProtocolLoop:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
