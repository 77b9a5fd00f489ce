"""The virtual factory as an OPC UA server (asyncua).

Namespace ``urn:smartfactory:sim:<enterprise>:<site>`` (index 2); folders along the ISA-95
path ``<enterprise>/<site>/<area>/<line>``, one object per machine, one variable per point
with the string node id ``ns=2;s=<enterprise>.<site>.<area>.<line>.<machine>.<point>``
(:mod:`.address_map`). ``state`` is UInt16, the counters UInt32, ``order``/``product``/
``reason`` String and sensors Double. Every tick writes each variable with the simulated time
as its source and server timestamp, so subscribers get the device's time. No security (the
server binds 127.0.0.1 unless told otherwise); anonymous clients may read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from asyncua import ua
from asyncua.common.node import Node
from asyncua.server.server import Server

from smartfactory.errors import ConnectorUnavailableError, SimulationError
from smartfactory.sim.servers.address_map import (
    OPCUA_NAMESPACE_INDEX,
    AddressMap,
    PointKind,
    Protocol,
)
from smartfactory.sim.servers.mqtt import point_value
from smartfactory.sim.servers.values import MachineValues

__all__ = ["OpcUaFactoryServer"]

_TYPES = {
    PointKind.STATE: (ua.VariantType.UInt16, 0),
    PointKind.GOOD: (ua.VariantType.UInt32, 0),
    PointKind.SCRAP: (ua.VariantType.UInt32, 0),
    PointKind.ORDER: (ua.VariantType.String, ""),
    PointKind.PRODUCT: (ua.VariantType.String, ""),
    PointKind.REASON: (ua.VariantType.String, ""),
    PointKind.SENSOR: (ua.VariantType.Double, float("nan")),
}
_MAX_U32 = 0xFFFFFFFF
_EXPECTED = ("No signing policy available", "No encrypting policy available")


def _no_security_notice(record: logging.LogRecord) -> bool:
    """Drop asyncua's warnings that a NoSecurity server has no security (it is on purpose)."""
    return not str(record.msg).startswith(_EXPECTED)


class OpcUaFactoryServer:
    """Serves the plant's machines on ``opc.tcp://host:port/smartfactory/`` (port 0: free)."""

    def __init__(
        self, amap: AddressMap, host: str = "127.0.0.1", port: int = 4840, timeout_s: float = 30.0
    ) -> None:
        self.amap = amap
        self.host = host
        self._port = port
        self.timeout_s = timeout_s
        self._server: Server | None = None
        self._nodes: dict[str, tuple[ua.NodeId, PointKind, ua.VariantType]] = {}

    @property
    def endpoint(self) -> str:
        """The endpoint URL."""
        return f"opc.tcp://{self.host}:{self._port}/smartfactory/"

    @property
    def port(self) -> int:
        """The bound port."""
        return self._port

    async def start(self) -> None:
        """Build the address space and listen."""
        logging.getLogger("asyncua.server.server").addFilter(_no_security_notice)
        server = Server()
        try:
            async with asyncio.timeout(self.timeout_s):
                await server.init()
                server.set_endpoint(self.endpoint)
                server.set_server_name("smartfactory virtual factory")
                server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
                idx = await server.register_namespace(self.amap.namespace)
                if idx != OPCUA_NAMESPACE_INDEX:
                    raise SimulationError(f"OPC UA namespace got index {idx}, expected 2")
                await self._build(server)
                await server.start()
        except (OSError, TimeoutError) as err:
            with contextlib.suppress(Exception):
                await server.stop()
            raise ConnectorUnavailableError(f"OPC UA server cannot start: {err}") from err
        self._server = server
        bserver = server.bserver
        inner = getattr(bserver, "_server", None) if bserver is not None else None
        sockets = getattr(inner, "sockets", None)
        if sockets:
            self._port = int(sockets[0].getsockname()[1])

    async def _build(self, server: Server) -> None:
        ns = OPCUA_NAMESPACE_INDEX
        folders: dict[str, Node] = {}
        for m in self.amap.machines:
            parent = server.nodes.objects
            for depth in range(1, 5):
                key = ".".join(m.path[:depth])
                if key not in folders:
                    folders[key] = await parent.add_folder(f"ns={ns};s={key}", m.path[depth - 1])
                parent = folders[key]
            obj = await parent.add_object(f"ns={ns};s={key}.{m.machine}", m.machine)
            for p in m.points(Protocol.OPCUA):
                vtype, initial = _TYPES[p.kind]
                node = await obj.add_variable(m.node_id(p.name), p.name, initial, vtype)
                self._nodes[m.tag(p.name)] = (node.nodeid, p.kind, vtype)

    async def publish(self, values: Sequence[MachineValues]) -> None:
        """Write every variable with the simulated time as its timestamps."""
        server = self._server
        if server is None:
            raise ConnectorUnavailableError("OPC UA server is not running")
        async with asyncio.timeout(self.timeout_s):
            for v in values:
                ts = ua.DateTime.fromtimestamp(v.timestamp.timestamp(), v.timestamp.tzinfo)
                m = self.amap.machine(v.machine)
                for p in m.points(Protocol.OPCUA):
                    node_id, kind, vtype = self._nodes[m.tag(p.name)]
                    value: Any = point_value(kind, v, p.name)
                    if value is None:
                        value = float("nan")
                    if vtype is ua.VariantType.UInt32:
                        value = min(int(value), _MAX_U32)
                    dv = ua.DataValue(
                        ua.Variant(value, vtype), SourceTimestamp=ts, ServerTimestamp=ts
                    )
                    await server.write_attribute_value(node_id, dv)

    async def stop(self) -> None:
        """Stop the server."""
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(Exception):  # asyncua raises assorted errors on shutdown
                async with asyncio.timeout(self.timeout_s):
                    await server.stop()
