"""The OPC UA connector against a real asyncua server on 127.0.0.1, port 0."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from smartfactory.connectors import Backoff, ConnectionState, Poller, PollerConfig, Quality
from smartfactory.connectors.errors import ConnectorUnavailableError
from smartfactory.connectors.opcua import OpcUaConfig, OpcUaConnector
from smartfactory.store import DuckDBStore, SignalKey

from .opcua_server import START, OpcUaTestServer

SECRET = "s3cret"  # noqa: S105  # the test server's password, not a real one


@pytest.fixture(scope="module")
def server() -> Iterator[OpcUaTestServer]:
    """One server for the tests that do not restart it."""
    srv = OpcUaTestServer()
    srv.start()
    yield srv
    srv.stop()


def _conn(srv: OpcUaTestServer, **kw: object) -> OpcUaConnector:
    tags = [
        {"name": "speed", "node_id": srv.node_id("Press.Speed")},
        {"name": "count", "node_id": srv.node_id("Press.Count")},
        {"name": "temp", "node_id": srv.node_id("Oven.Temp"), "deadband": 1.0},
    ]
    cfg = {"url": srv.url, "timeout_s": 2.0, "tags": tags, "publishing_interval_ms": 50,
           "sampling_interval_ms": 0, **kw}  # fmt: skip
    return OpcUaConnector(OpcUaConfig.model_validate(cfg))


async def _until(
    check: Callable[[], bool], what: Callable[[], object] = str, limit_s: float = 15.0
) -> None:
    try:
        async with asyncio.timeout(limit_s):
            while not check():
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"condition not met in {limit_s} s: {what()}") from None


def test_reads_by_name_and_node_id_with_bad_nodes_as_bad_samples(server: OpcUaTestServer) -> None:
    async def scenario() -> None:
        conn = _conn(server)
        await conn.connect()
        try:
            tags = ["speed", server.node_id("Press.Running"), server.node_id("Press.Label"),
                    "ns=2;s=Nope", server.node_id("Press.Profile"), "not a node"]  # fmt: skip
            speed, running, label, nope, profile, junk = await conn.read(tags)
        finally:
            await conn.close()
        assert (speed.value, speed.ts, speed.ok) == (1.5, START, True)
        assert (running.value, label.value) == (True, "ok")
        assert nope.quality is Quality.BAD and nope.value is None
        assert nope.error.startswith("BadNodeIdUnknown")
        assert profile.quality is Quality.BAD and "array" in profile.error
        assert junk.quality is Quality.BAD and "not a node id" in junk.error

    asyncio.run(scenario())


def test_browse_finds_variables_with_node_id_path_and_type(server: OpcUaTestServer) -> None:
    async def scenario() -> tuple[list[tuple[str, str, str]], list[str]]:
        conn = _conn(server)
        shallow = _conn(server, browse_depth=2)
        await conn.connect()
        await shallow.connect()
        try:
            found = [(t.tag, t.address, t.data_type) for t in await conn.browse()]
            near = [t.description for t in await shallow.browse() if t.description != ""]
        finally:
            await conn.close()
            await shallow.close()
        return found, near

    found, near = asyncio.run(scenario())
    ns = server.ns
    assert ("speed", f"ns={ns};s=Press.Speed", "Double") in found  # configured name wins
    assert ("Line1/Press/Count", f"ns={ns};s=Press.Count", "Int32") not in found  # it is 'count'
    assert ("count", f"ns={ns};s=Press.Count", "Int32") in found
    assert ("Line1/Press/Running", f"ns={ns};s=Press.Running", "Boolean") in found
    assert ("Line1/Press/Label", f"ns={ns};s=Press.Label", "String") in found
    assert not any(address.startswith("i=") for _, address, _ in found)  # no diagnostics
    assert all(not d.startswith("Line1/") for d in near if "not found" not in d)


@pytest.mark.parametrize("per_request", [500, 1])  # 1: each item in its own request
def test_subscription_delivers_each_change_once_with_deadband(
    server: OpcUaTestServer, per_request: int
) -> None:
    async def scenario() -> tuple[list[tuple[str, object]], int]:
        conn = _conn(server, items_per_request=per_request)
        await conn.connect()
        got: list[tuple[str, object]] = []
        try:
            for i in range(1, 6):
                await server.set("Press.Count", 100 + i, START + timedelta(seconds=i))
            await server.set("Oven.Temp", 180.4, START + timedelta(seconds=1))  # inside deadband
            await server.set("Oven.Temp", 182.0, START + timedelta(seconds=2))
            while len(got) < 3 + 5 + 1:
                got += [(s.tag, s.value) for s in await conn.receive(5.0)]
        finally:
            await conn.close()
            await server.set("Press.Count", 7, START)
            await server.set("Oven.Temp", 180.0, START)
        return got, len(got)

    got, n = asyncio.run(scenario())
    assert [v for t, v in got if t == "count"] == [7, 101, 102, 103, 104, 105]
    assert [v for t, v in got if t == "temp"] == [180.0, 182.0]
    assert [v for t, v in got if t == "speed"] == [1.5]
    assert n == 9


def test_poll_mode_reads_in_receive_and_skips_unchanged_values(server: OpcUaTestServer) -> None:
    async def scenario() -> tuple[list[object], list[object], bool]:
        conn = _conn(server, mode="poll", poll_interval_s=0.1)
        await conn.connect()
        try:
            first = [s.value for s in await conn.receive(1.0)]
            same = [s.value for s in await conn.receive(1.0)]
            await server.set("Press.Speed", 2.5, START + timedelta(seconds=9))
            changed = [s.value for s in await conn.receive(1.0)]
        finally:
            await conn.close()
            await server.set("Press.Speed", 1.5, START)
        return first, same + changed, conn.polling

    first, later, polling = asyncio.run(scenario())
    assert first == [1.5, 7, 180.0] and later == [2.5] and polling


def test_unreachable_server_raises_unavailable() -> None:
    async def scenario() -> None:
        conn = OpcUaConnector(OpcUaConfig(url="opc.tcp://127.0.0.1:9/x", timeout_s=1.0))
        with pytest.raises(ConnectorUnavailableError):
            await conn.connect()
        with pytest.raises(ConnectorUnavailableError):
            await conn.read(["ns=2;s=a"])
        await conn.close()

    asyncio.run(scenario())


def test_config_validation() -> None:
    with pytest.raises(ValidationError, match="node id"):
        OpcUaConfig.model_validate(
            {"url": "opc.tcp://h:4840", "tags": [{"name": "a", "node_id": "x=1"}]}
        )
    with pytest.raises(ValidationError, match="certificate"):
        OpcUaConfig(url="opc.tcp://h:4840", security_policy="Basic256Sha256")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="password needs a username"):
        OpcUaConfig(url="opc.tcp://h:4840", password=SECRET)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        OpcUaConfig(url="http://h:4840")


def test_username_authentication() -> None:
    srv = OpcUaTestServer(users={"operator": SECRET})
    srv.start()

    async def scenario() -> None:
        good = _conn(srv, username="operator", password=SECRET)
        await good.connect()
        try:
            (speed,) = await good.read(["speed"])
            assert speed.value == 1.5
        finally:
            await good.close()
        for creds in ({"username": "operator", "password": "wrong"}, {}):
            bad = _conn(srv, **creds)
            with pytest.raises(ConnectorUnavailableError):
                await bad.connect()
            await bad.close()

    try:
        asyncio.run(scenario())
    finally:
        srv.stop()


def test_server_restart_during_polling_loses_and_doubles_nothing(
    tmp_path: Path, store: DuckDBStore, rng: np.random.Generator
) -> None:
    srv = OpcUaTestServer()
    srv.start()
    key = SignalKey("press", "count")
    sid = store.register_signals([key])[("press", "count")]

    def stored() -> list[float]:
        table = store.query_samples([sid], START, START + timedelta(days=1))
        return [float(v) for v in table.column("value").to_pylist()]

    async def scenario() -> tuple[Poller, OpcUaConnector]:
        def now() -> object:
            return (stored(), poller.state, poller.stats, list(poller.transitions))

        conn = _conn(
            srv, timeout_s=1.0, tags=[{"name": "count", "node_id": srv.node_id("Press.Count")}]
        )
        cfg = PollerConfig(interval_s=0.1, timeout_s=1.0, backoff=Backoff(initial_s=0.1, max_s=0.3))
        poller = Poller(
            conn, {"count": key}, store, spill_dir=tmp_path / "spill", rng=rng, config=cfg
        )
        task = asyncio.create_task(poller.run())
        try:
            await _until(lambda: stored() == [7.0], now)  # subscribed: the initial value
            for i in range(1, 11):
                await srv.set("Press.Count", i, START + timedelta(seconds=i))
            await _until(lambda: len(stored()) == 11, now)
            await srv.down()
            await _until(lambda: poller.state is ConnectionState.OFFLINE, now)
            await srv.up()  # comes back with 10 and its timestamp, as a PLC would
            await srv.set("Press.Count", 11, START + timedelta(seconds=11))
            await _until(
                lambda: poller.state is ConnectionState.ONLINE and len(stored()) == 12, now
            )
            for i in range(12, 21):
                await srv.set("Press.Count", i, START + timedelta(seconds=i))
            await _until(lambda: len(stored()) == 21, now)
        finally:
            poller.stop()
            await task
        return poller, conn

    try:
        poller, _ = asyncio.run(scenario())
    finally:
        srv.stop()
    assert stored() == [7.0, *map(float, range(1, 21))]
    assert poller.stats.good_samples == 21  # each value delivered once, before the store dedups
    assert poller.stats.stored_rows == 21
    states = [t.new for t in poller.transitions]
    assert ConnectionState.OFFLINE in states and states[-1] is ConnectionState.ONLINE


def _self_signed(directory: Path, name: str, uri: str, usage: object) -> tuple[Path, Path]:
    """A self-signed application certificate (DER) and its key (PEM), as OPC UA wants them."""
    from asyncua.crypto import cert_gen
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    key = cert_gen.generate_private_key()
    alt = [
        x509.UniformResourceIdentifier(uri),
        x509.DNSName(socket.gethostname()),
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    cert = cert_gen.generate_self_signed_app_certificate(
        key,
        name,
        {"organizationName": "smartfactory tests"},
        alt,
        [usage],
        days=2,  # type: ignore[list-item]
    )
    cert_path, key_path = directory / f"{name}.der", directory / f"{name}.pem"
    cert_path.write_bytes(cert.public_bytes(Encoding.DER))
    key_path.write_bytes(cert_gen.dump_private_key_as_pem(key))
    return cert_path, key_path


def test_basic256sha256_with_certificate_and_username(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    from cryptography.x509.oid import ExtendedKeyUsageOID

    server_cert, server_key = _self_signed(
        tmp_path, "server", "urn:freeopcua:python:server", ExtendedKeyUsageOID.SERVER_AUTH
    )
    client_cert, client_key = _self_signed(
        tmp_path, "client", "urn:smartfactory:client", ExtendedKeyUsageOID.CLIENT_AUTH
    )
    srv = OpcUaTestServer(users={"operator": SECRET}, certificate=server_cert,
                          private_key=server_key)  # fmt: skip
    srv.start()

    async def scenario() -> None:
        secure = _conn(srv, security_policy="Basic256Sha256", certificate=client_cert,
                       private_key=client_key, username="operator", password=SECRET)  # fmt: skip
        await secure.connect()
        try:
            (speed,) = await secure.read(["speed"])
            assert speed.value == 1.5
        finally:
            await secure.close()
        plain = _conn(srv, username="operator", password=SECRET)  # no security: refused
        with pytest.raises(ConnectorUnavailableError):
            await plain.connect()
        await plain.close()

    try:
        asyncio.run(scenario())
    finally:
        srv.stop()
